#!/bin/sh
# gaitscope's own repeat figure for models/minimal_change.json ("own_sdd").
#
# usage: scripts/minimal_change_own.sh ANALYSIS.json [ANALYSIS.json ...]
#
# Each input is the analysis.json of one long clip of one runner filmed once (same session, same
# camera). For every metric and side, the used strides (chronological) are split into a first
# and a second half; when both halves have at least 7 strides (a stable mean, Dingenen 2018) the
# difference of the two half means is one repeat difference d. Over all clips and both sides:
#   SD_diff = sqrt(mean(d^2))          (root mean square: drift counts, it is part of repeat error)
#   own_sdd = 1.96 * SD_diff           (smallest detectable difference, MDC95 = 1.96 SD_diff;
#                                       Weir 2005, J Strength Cond Res 19:231)
# and the same relative to the mean (percent) for metrics whose minimal change is relative.
# This is a within-session figure: between-day spread is larger (Damsted 2015: about three times),
# so the table takes the larger of this and the published between-day figure.
#
# Output: one JSON object {metric: {n, sd_diff, own_sdd, own_sdd_pct}} on stdout.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 ANALYSIS.json [ANALYSIS.json ...]" >&2
    exit 2
fi
command -v jq >/dev/null || { echo "$0: needs jq" >&2; exit 1; }
for f in "$@"; do
    [ -r "$f" ] || { echo "$0: $f: cannot read" >&2; exit 1; }
done
jq -s '
  [ .[] | .metrics // {} | to_entries[] | .key as $k | .value as $m
    | ("left", "right") as $s
    | ($m[$s].values // []) as $v
    | ($v | length) as $n
    | select($n >= 14)
    | ($n / 2 | floor) as $h
    | ($v[0:$h] | add / length) as $a
    | ($v[$h:] | add / length) as $b
    | {key: $k, d: ($b - $a), mean: (($a + $b) / 2)} ]
  | group_by(.key)
  | map({ key: .[0].key,
          value: ( (map(.d * .d) | add / length | sqrt) as $sd
                 | (map(if .mean != 0 then (.d / .mean * 100) * (.d / .mean * 100) else 0 end)
                    | add / length | sqrt) as $sdp
                 | { n: length,
                     sd_diff: ($sd * 1000 | round / 1000),
                     own_sdd: (1.96 * $sd * 1000 | round / 1000),
                     own_sdd_pct: (1.96 * $sdp * 100 | round / 100) } ) })
  | from_entries
' "$@"

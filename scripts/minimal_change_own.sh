#!/bin/sh
# gaitscope's own repeat figure for models/minimal_change.json ("own_sdd", "min_frames").
#
# usage: scripts/minimal_change_own.sh A1.json B1.json [A2.json B2.json ...]
#
# Each pair is two analysis.json files of the same runner filmed the same way and analysed
# separately, as `gaitscope compare` would see them: e.g. the first and the second half of one
# long treadmill clip (`gaitscope analyze CLIP --end T` and `--start T`). Separate analyses
# matter: each fits its own ground line, noise level and contact threshold, and those differ
# between two recordings too. For every metric and side with at least 7 strides in both (a
# stable mean, Dingenen 2018) the difference of the two means is one repeat difference d. Over
# all pairs and both sides:
#   SD_diff = sqrt(mean(d^2))    (root mean square: a systematic shift counts, it is repeat error)
#   own_sdd = 1.96 * SD_diff     (smallest detectable difference, MDC95 = 1.96 SD_diff;
#                                 Weir 2005, J Strength Cond Res 19:231)
# also as a percentage of the mean (own_sdd_pct, for relative entries) and, for times, in frame
# intervals of the pair's clip (own_sdd_frames, for min_frames: event times are known to a
# fraction of a frame whatever the rate).
#
# Curves: for every angle, the difference of the two mean curves at each of the 101 points of
# both sides (sides with 7 strides in both), own_sdd = 1.96 x their root mean square: one figure
# per curve, applied point by point.
#
# Output: {"metrics": {metric: {n, sd_diff, own_sdd, own_sdd_pct, own_sdd_frames}},
#          "curves": {angle: {n, own_sdd}}}.
set -eu
if [ $# -lt 2 ] || [ $(($# % 2)) -ne 0 ]; then
    echo "usage: $0 A1.json B1.json [A2.json B2.json ...]" >&2
    exit 2
fi
command -v jq >/dev/null || { echo "$0: needs jq" >&2; exit 1; }
for f in "$@"; do
    [ -r "$f" ] || { echo "$0: $f: cannot read" >&2; exit 1; }
done
jq -s '
  def metrics_own:
  def fps: (.source.fps // ((.source.frames - 1) / .source.duration_s));
  [ range(0; length; 2) as $i | .[$i] as $a | .[$i + 1] as $b
    | ((($a | fps) + ($b | fps)) / 2) as $fps
    | ($a.metrics // {}) | to_entries[] | .key as $k
    | ("left", "right") as $s
    | ($a.metrics[$k][$s] // {}) as $x | ($b.metrics[$k][$s] // {}) as $y
    | select(($x.n // 0) >= 7 and ($y.n // 0) >= 7)
    | {key: $k, d: ($y.mean - $x.mean), mean: (($x.mean + $y.mean) / 2),
       frame_ms: (1000 / $fps)} ]
  | group_by(.key)
  | map({ key: .[0].key,
          value: ( (map(.d * .d) | add / length | sqrt) as $sd
                 | (map(if .mean != 0 then (.d / .mean * 100) * (.d / .mean * 100) else 0 end)
                    | add / length | sqrt) as $sdp
                 | (map((.d / .frame_ms) * (.d / .frame_ms)) | add / length | sqrt) as $sdf
                 | { n: length,
                     sd_diff: ($sd * 1000 | round / 1000),
                     own_sdd: (1.96 * $sd * 1000 | round / 1000),
                     own_sdd_pct: (1.96 * $sdp * 100 | round / 100),
                     own_sdd_frames: (1.96 * $sdf * 100 | round / 100) } ) })
  | from_entries;
  def curves_own:
    [ range(0; length; 2) as $i | .[$i] as $a | .[$i + 1] as $b
      | ($a.curves // {}) | to_entries[] | .key as $k
      | ("left", "right") as $s
      | ($a.curves[$k][$s] // {}) as $x | ($b.curves[$k][$s] // {}) as $y
      | select(($x.n // 0) >= 7 and ($y.n // 0) >= 7)
      | {key: $k, d2: ([range(0; ($x.mean | length))
                        | ($y.mean[.] - $x.mean[.]) * ($y.mean[.] - $x.mean[.])] | add / length)} ]
    | group_by(.key)
    | map({key: .[0].key, value: {n: length,
           own_sdd: (1.96 * (map(.d2) | add / length | sqrt) * 1000 | round / 1000)}})
    | from_entries;
  . as $all | {metrics: ($all | metrics_own), curves: ($all | curves_own)}
' "$@"

#!/usr/bin/python3
"""Validates every pose.json, analysis.json and camera profile the tests wrote against docs/schemas.

usage: validate_schemas.py SCRATCH_DIR SCHEMA_DIR

Walks SCRATCH_DIR, reads each *.json whose "format" is gaitscope.pose/1, gaitscope.analysis/1 or
gaitscope.camera/1
(except *.bad.json, the bad-input tests' deliberately broken inputs)
and validates it with Debian's python3-jsonschema (scripts/setup.sh --test installs it). Fails
when a file does not validate, or when no file of either format was found (the producing tests
run first: ctest's fixture "gaitscope_outputs").
"""
import hashlib
import json
import multiprocessing
import os
import sys

try:
    import jsonschema
except ImportError:
    print("schemas: python3-jsonschema is missing (scripts/setup.sh --test installs it)")
    sys.exit(1)

FORMATS = {"gaitscope.pose/1": "pose.schema.json", "gaitscope.analysis/1": "analysis.schema.json",
           "gaitscope.camera/1": "camera.schema.json"}


def load_validators(schema_dir):
    validators = {}
    for fmt, name in FORMATS.items():
        with open(os.path.join(schema_dir, name)) as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
        validators[fmt] = jsonschema.Draft7Validator(schema)
    return validators


VALIDATORS = {}


def check(path):
    """(format or None, first error line or None) of one file; runs in a worker process."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None, None  # not JSON (bad-input corpus files are meant to be broken)
    fmt = doc.get("format") if isinstance(doc, dict) else None
    if fmt not in VALIDATORS:
        return None, None
    errors = sorted(VALIDATORS[fmt].iter_errors(doc), key=lambda e: list(e.path))
    if not errors:
        return fmt, None
    e = errors[0]
    where = "/".join(str(p) for p in e.path)
    return fmt, f"schemas: {path}: {where or '(root)'}: {e.message[:200]}"


def main():
    scratch, schema_dir = sys.argv[1], sys.argv[2]
    VALIDATORS.update(load_validators(schema_dir))
    paths = []
    for root, _dirs, files in os.walk(scratch):
        for fn in sorted(files):
            if fn.endswith(".json") and not fn.endswith(".bad.json"):
                paths.append(os.path.join(root, fn))  # *.bad.json: broken on purpose
    # Pure-Python jsonschema spends most of the time on the long pose.json files, and several
    # tests write the same file (the stored sample track, copied): a file whose bytes were
    # already checked has that result; the others go largest first over as many processes as
    # the test may use (CI runs ctest -j2; GS_JOBS).
    digest = {}
    for p in paths:
        try:
            with open(p, "rb") as f:
                digest[p] = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            continue  # unreadable: like a file that is not JSON
    paths = [p for p in paths if p in digest]
    first = {}
    for p in paths:
        first.setdefault(digest[p], p)
    unique = sorted(first.values(), key=lambda p: -os.path.getsize(p))
    jobs = max(1, int(os.environ.get("GS_JOBS", "2")))
    with multiprocessing.Pool(jobs) as pool:
        result = dict(zip(unique, pool.map(check, unique, chunksize=1)))
    seen = {fmt: 0 for fmt in FORMATS}
    passed = failed = 0
    for p in paths:
        fmt, error = result[first[digest[p]]]
        if fmt is None:
            continue
        seen[fmt] += 1
        if error:
            failed += 1
            print(error if first[digest[p]] == p else
                  f"schemas: {p}: the same bytes as {first[digest[p]]} (above)")
        else:
            passed += 1
    print(f"schemas: {len(unique)} distinct files of {len(paths)} checked")
    for fmt, n in seen.items():
        print(f"schemas: {n} {fmt} files checked")
        if n == 0:
            print(f"schemas: no {fmt} file found under {scratch}: the producing tests did not run")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

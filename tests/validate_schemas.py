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
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("schemas: python3-jsonschema is missing (scripts/setup.sh --test installs it)")
    sys.exit(1)

FORMATS = {"gaitscope.pose/1": "pose.schema.json", "gaitscope.analysis/1": "analysis.schema.json",
           "gaitscope.camera/1": "camera.schema.json"}


def main():
    scratch, schema_dir = sys.argv[1], sys.argv[2]
    validators = {}
    for fmt, name in FORMATS.items():
        with open(os.path.join(schema_dir, name)) as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
        validators[fmt] = jsonschema.Draft7Validator(schema)
    seen = {fmt: 0 for fmt in FORMATS}
    passed = failed = 0
    for root, _dirs, files in os.walk(scratch):
        for fn in sorted(files):
            if not fn.endswith(".json") or fn.endswith(".bad.json"):
                continue  # *.bad.json: inputs the bad-input tests break on purpose
            path = os.path.join(root, fn)
            try:
                with open(path) as f:
                    doc = json.load(f)
            except (OSError, ValueError):
                continue  # not JSON (bad-input corpus files are meant to be broken)
            fmt = doc.get("format") if isinstance(doc, dict) else None
            if fmt not in validators:
                continue
            errors = sorted(validators[fmt].iter_errors(doc), key=lambda e: list(e.path))
            seen[fmt] += 1
            if errors:
                failed += 1
                e = errors[0]
                where = "/".join(str(p) for p in e.path)
                print(f"schemas: {path}: {where or '(root)'}: {e.message[:200]}")
            else:
                passed += 1
    for fmt, n in seen.items():
        print(f"schemas: {n} {fmt} files checked")
        if n == 0:
            print(f"schemas: no {fmt} file found under {scratch}: the producing tests did not run")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

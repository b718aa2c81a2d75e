#!/usr/bin/env python3
"""Validate YAML documents against Charter's JSON Schema with an independent implementation.

Usage: python3 scripts/schema-check.py SCHEMA_DIR FILE...

Each FILE is read as YAML 1.2 by ruamel.yaml and validated with the `jsonschema` package
(draft 2020-12) against SCHEMA_DIR/document.schema.json. One JSON object is printed per file,
one per line, in the order given:

    {"file": "...", "valid": true, "errors": []}

A file that is not readable YAML, or does not hold exactly one document, is reported as
invalid with the reason. The exit status is 0 unless the harness itself failed: a missing
module, an unreadable or ill-formed schema, or bad arguments.

The Swift test `SchemaAgreementTests` runs this over `Tests/SchemaCorpus/` and compares the
verdicts with Charter's own loader. Dependencies: `pip install ruamel.yaml jsonschema`.
"""

import json
import os
import sys

MISSING_MODULES = 3


def main(argv):
    if len(argv) < 2:
        print("usage: schema-check.py SCHEMA_DIR FILE...", file=sys.stderr)
        return 2
    try:
        import jsonschema
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError
    except ImportError as error:
        print(f"schema-check: {error}; run `pip install ruamel.yaml jsonschema`", file=sys.stderr)
        return MISSING_MODULES

    schema_path = os.path.join(argv[0], "document.schema.json")
    try:
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as error:
        print(f"schema-check: {schema_path}: {error}", file=sys.stderr)
        return 1
    validator = jsonschema.Draft202012Validator(schema)

    for path in argv[1:]:
        errors = []
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            documents = list(YAML(typ="safe", pure=True).load_all(text))
        except (OSError, UnicodeDecodeError) as error:
            errors = [f"unreadable: {error}"]
        except YAMLError as error:
            errors = [f"yaml: {' '.join(str(error).split())}"]
        else:
            if len(documents) != 1:
                errors = [f"expected exactly one document, found {len(documents)}"]
            else:
                for error in sorted(validator.iter_errors(documents[0]), key=lambda e: [str(p) for p in e.absolute_path]):
                    pointer = "".join(f"/{p}" for p in error.absolute_path) or "/"
                    errors.append(f"{pointer}: {error.message}")
        print(json.dumps({"file": path, "valid": not errors, "errors": errors}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

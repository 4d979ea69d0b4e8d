#!/usr/bin/env python3
"""validate_json.py — validates hookline's JSON outputs against the published JSON Schemas
(scripts/schemas/*.schema.json, draft 2020-12). Debian's /usr/bin/python3 with python3-jsonschema
(`apt-get install -y python3-jsonschema`; scripts/quickstart.sh installs it).

Command line
------------
  validate_json.py SCHEMA FILE [FILE...]      exit 0: every FILE is valid
  validate_json.py --all SCHEMA FILE...       print every error (at most 50 per file), not just one
  validate_json.py auto DIR_OR_FILE...        pick each document's schema from its "schema" string

SCHEMA is a path to a schema file, or a short name: findings, briefs, recipes (resolved to
<repo>/scripts/schemas/NAME.schema.json), or `auto`. With `auto`, a directory means every
findings.json, briefs.json and recipes.json in it (at least one must exist). Exit status: 0 all
valid; 1 a document is invalid (one line per file on stderr: `FILE: $.json.path: message
(schema: #/schema/path)`, the most relevant error first); 2 usage error, unreadable schema, or
python3-jsonschema missing.

Besides the schema, a document must be strict JSON: NaN, Infinity and -Infinity (Python's json
module accepts them by default), duplicate object keys and invalid UTF-8 are errors too, reported
the same way. Formats (e.g. "date") are checked.

Reusing it from another test (tests/integration/test_*.py)
----------------------------------------------------------
    sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
    import validate_json
    errs = validate_json.check_file("findings", os.path.join(out, "findings.json"))
    self.assertEqual(errs, [], "findings.json does not match its schema")   # [] = valid
    # or a whole analyze output directory (findings.json, briefs.json, recipes.json when present):
    self.assertEqual(validate_json.check_dir(out), [])
    # or a parsed document:  validate_json.check_doc("briefs", doc) -> list of error strings
Each error string is `$.json.path: message (schema: ...)`; check_dir prefixes the file's path.
If python3-jsonschema is not installed, the functions raise validate_json.Unavailable (a
RuntimeError); a test may catch it and skip. Schema validators are compiled once per schema and
cached, so validating many documents (e.g. every nightly look of a simulation) is cheap.
From a shell or CMake: `/usr/bin/python3 tests/tools/validate_json.py auto OUT_DIR`.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(os.path.join(HERE, "..", ".."))
SCHEMA_DIR = os.path.join(SRC, "scripts", "schemas")
NAMES = ("findings", "briefs", "recipes")
# the "schema" string of each document -> short schema name
DOC_SCHEMAS = {"hookline.findings/1": "findings", "hookline.briefs/1": "briefs",
               "hookline.recipes/1": "recipes"}
MAX_ERRORS = 50


class Unavailable(RuntimeError):
    """python3-jsonschema (with draft 2020-12 support) is not installed."""


class BadDocument(ValueError):
    """Not strict JSON (NaN/Infinity, duplicate keys, invalid UTF-8, syntax)."""


def _jsonschema():
    try:
        import jsonschema
        jsonschema.Draft202012Validator  # draft 2020-12 support (jsonschema >= 4)
    except (ImportError, AttributeError) as e:
        raise Unavailable("python3-jsonschema with draft 2020-12 support is needed "
                          f"(apt-get install -y python3-jsonschema): {e}") from None
    return jsonschema


def schema_path(name_or_path):
    """A schema file for a short name (findings, briefs, recipes) or a path."""
    if name_or_path in NAMES:
        return os.path.join(SCHEMA_DIR, name_or_path + ".schema.json")
    return name_or_path


def _no_constant(c):
    raise BadDocument(f"non-standard JSON number {c} (a number that is undefined must be null)")


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise BadDocument(f"duplicate key {k!r} in an object")
        d[k] = v
    return d


def loads_strict(data):
    """Parses bytes or str as strict JSON; raises BadDocument."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise BadDocument(f"not UTF-8: {e}") from None
    try:
        return json.loads(data, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise BadDocument(f"not JSON: {e}") from None


def load_strict(path):
    with open(path, "rb") as fh:
        return loads_strict(fh.read())


_validators = {}


def validator(name_or_path):
    """The compiled (and cached) validator of a schema; the schema itself is checked first."""
    path = os.path.abspath(schema_path(name_or_path))
    v = _validators.get(path)
    if v is None:
        js = _jsonschema()
        from jsonschema import Draft202012Validator as V
        with open(path, "rb") as fh:
            schema = loads_strict(fh.read())
        V.check_schema(schema)
        fc = (getattr(V, "FORMAT_CHECKER", None) or getattr(js, "draft202012_format_checker", None)
              or js.FormatChecker())
        v = _validators[path] = V(schema, format_checker=fc)
    return v


def _path(e):
    p = getattr(e, "json_path", None)
    if p is not None:
        return p
    out = "$"
    for k in e.absolute_path:
        out += f"[{k}]" if isinstance(k, int) else f".{k}"
    return out


def _describe(e):
    # for anyOf/oneOf, name the most relevant failure of the alternatives too
    from jsonschema.exceptions import best_match
    msg = e.message
    if len(msg) > 300:
        msg = msg[:300] + "..."
    where = "#/" + "/".join(str(s) for s in e.schema_path)
    line = f"{_path(e)}: {msg} (schema: {where})"
    if e.context:
        sub = best_match(e.context)
        if sub is not None:
            line += f"; closest: {_describe(sub)}"
    return line


def check_doc(name_or_path, doc, limit=1):
    """Errors of a parsed document against a schema: [] when valid, else up to `limit` strings
    `$.path: message (schema: ...)`, the most relevant first."""
    from jsonschema.exceptions import best_match, relevance
    v = validator(name_or_path)
    errors = list(v.iter_errors(doc))
    if not errors:
        return []
    first = best_match(errors)
    rest = sorted((e for e in errors if e is not first), key=relevance, reverse=True)
    return [_describe(e) for e in [first, *rest][:max(1, limit)]]


def check_file(name_or_path, path, limit=1):
    """Errors of a JSON file against a schema ([] when valid). A file that is not strict JSON
    gives one error `$: ...`; a file that cannot be read raises OSError."""
    try:
        doc = load_strict(path)
    except BadDocument as e:
        return [f"$: {e}"]
    if name_or_path == "auto":
        name_or_path = DOC_SCHEMAS.get(doc.get("schema") if isinstance(doc, dict) else None)
        if name_or_path is None:
            return ["$.schema: not one of " + ", ".join(sorted(DOC_SCHEMAS))]
    return check_doc(name_or_path, doc, limit)


def check_dir(out_dir, limit=1):
    """Validates findings.json, briefs.json and recipes.json in an analyze output directory
    (those present; at least one must be). Errors are prefixed with the file's path."""
    errs, seen = [], 0
    for name in NAMES:
        p = os.path.join(out_dir, name + ".json")
        if os.path.exists(p):
            seen += 1
            errs += [f"{p}: {e}" for e in check_file(name, p, limit)]
    if not seen:
        errs.append(f"{out_dir}: no findings.json, briefs.json or recipes.json")
    return errs


def main(argv):
    limit = 1
    args = list(argv)
    if args and args[0] == "--all":
        limit = MAX_ERRORS
        args = args[1:]
    if len(args) < 2 or args[0] in ("-h", "--help"):
        print(__doc__.split("Reusing")[0].strip(), file=sys.stderr)
        return 2
    schema, files = args[0], args[1:]
    try:
        if schema != "auto":
            validator(schema)
        bad = 0
        for f in files:
            if schema == "auto" and os.path.isdir(f):
                errs, label = check_dir(f, limit), None
            else:
                errs = check_file(schema, f, limit)
                label = f
            for e in errs:
                print(f"{label}: {e}" if label else e, file=sys.stderr)
            bad += bool(errs)
        return 1 if bad else 0
    except Unavailable as e:
        print(f"validate_json: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"validate_json: {e}", file=sys.stderr)
        return 2
    except (BadDocument, ValueError) as e:  # the schema file itself
        print(f"validate_json: schema {schema_path(schema)}: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # jsonschema.SchemaError and the like
        print(f"validate_json: schema {schema_path(schema)}: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

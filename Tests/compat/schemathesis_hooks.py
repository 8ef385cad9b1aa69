"""Loaded by schemathesis (SCHEMATHESIS_HOOKS) for test_schemathesis.py.

Works around CPython gh-106905 (fixed in 3.11.8 and 3.12.2): `ast.parse` called deep in a stack
can raise `SystemError: AST constructor recursion depth mismatch`. Hypothesis parses a module's
source to describe a lambda in a strategy's repr, and schemathesis's strategies hit that on
3.11.7, which aborts the operation with a runtime error that says nothing about tokend. On an
affected interpreter, a failed description falls back to Hypothesis's own `lambda: <unknown>`.
Nothing else changes: the descriptions only name strategies in messages.
"""
import sys

AFFECTED = sys.version_info < (3, 11, 8) or (3, 12) <= sys.version_info < (3, 12, 2)

if AFFECTED:
    from hypothesis.internal import lambda_sources

    _describe = lambda_sources._lambda_description

    def _lambda_description(f, *args, **kwargs):
        try:
            return _describe(f, *args, **kwargs)
        except SystemError as error:
            if "recursion depth mismatch" not in str(error):
                raise
            return "lambda: <unknown>"

    lambda_sources._lambda_description = _lambda_description

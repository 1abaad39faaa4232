"""SearchParameter rules the Java validator checks in code: the expression is FHIRPath that
parses, and a composite parameter lists its components. (It does not check `derivedFrom` against
the parameter it names, HAPI's embedding resolves no core SearchParameters there: neither do we.)"""

from typing import Any

from antlr4 import CommonTokenStream, InputStream, Token
from antlr4.error.ErrorListener import ErrorListener
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

from service.validation.issues import Issues


def check_search_parameter(parameter: dict[str, Any], expr: str, issues: Issues) -> None:
    expression = parameter.get("expression")
    if isinstance(expression, str) and not _parses(expression):
        issues.add(
            "definition.invalid",
            f"{expr}.expression",
            f"Error in search expression '{expression}': it is not valid FHIRPath",
            java="ED_SEARCH_EXPRESSION_ERROR",
        )
    if parameter.get("type") == "composite" and not parameter.get("component"):
        issues.add(
            "definition.invalid",
            expr,
            "A composite search parameter must define its components",
            java="SEARCHPARAMETER_MISSING_COMPONENTS",
        )


class _Errors(ErrorListener):  # type: ignore[misc]
    """Counts syntax errors (fhirpathpy's own parse() ignores them)."""

    def __init__(self) -> None:
        self.count = 0

    def syntaxError(self, *_args: Any) -> None:
        self.count += 1


def _parses(expression: str) -> bool:
    """Whether the whole text is one FHIRPath expression (fhirpathpy's ANTLR grammar)."""
    errors = _Errors()
    lexer = FHIRPathLexer(InputStream(expression))
    lexer.removeErrorListeners()
    lexer.addErrorListener(errors)
    tokens = CommonTokenStream(lexer)
    parser = FHIRPathParser(tokens)
    parser.removeErrorListeners()
    parser.addErrorListener(errors)
    parser.expression()
    return errors.count == 0 and tokens.LA(1) == Token.EOF

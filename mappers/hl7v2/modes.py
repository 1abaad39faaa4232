"""Which acknowledgments a message gets: HL7 v2 original or enhanced mode (v2.5 chapter 2.9).

Original mode (MSH-15 and MSH-16 both empty): one application ACK, MSA-1 AA, AE or AR.
Enhanced mode (either valued): an accept ACK (CA committed, CE not committed, CR refused for its
type, event, version or processing id) when MSH-15's condition (table 0155) holds, then an
application ACK (AA, AE, AR) when MSH-16's holds. AL always, NE never, ER only on error or
reject, SU only on success. A condition left empty in enhanced mode is read as AL: an ACK the
sender ignores costs nothing, one it waits for and never gets is a timeout and a resend.
"""

COMMIT = {"AA": "CA", "AE": "CE", "AR": "CR"}


def enhanced(accept: str, application: str) -> bool:
    return bool(accept or application)


def responses(accept: str, application: str, code: str) -> list[str]:
    """The MSA-1 codes to send, in order, for a message whose application outcome is `code`."""
    if not enhanced(accept, application):
        return [code]
    wanted = [COMMIT[code]] if _holds(accept, code) else []
    return wanted + ([code] if _holds(application, code) else [])


def _holds(condition: str, code: str) -> bool:
    condition = condition or "AL"
    success = code == "AA"
    return (
        condition == "AL" or (condition == "SU" and success) or (condition == "ER" and not success)
    )

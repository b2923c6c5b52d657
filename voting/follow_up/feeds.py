"""Atom 1.0 feeds (RFC 4287) of the follow-up news: one per election, one for the
whole site. Built with ElementTree, so every text is escaped."""

from __future__ import annotations

# Builds our own feeds, parses nothing (bandit B405).
import xml.etree.ElementTree as ET  # nosec B405
from datetime import UTC, datetime
from urllib.parse import urlsplit

from voting.follow_up.timeline import NewsItem
from voting.follow_up.urls import public_url

ATOM = "http://www.w3.org/2005/Atom"


def _tag_uri(base_url: str, specific: str) -> str:
    # RFC 4151 tag URIs stay the same when the site moves to https or a new path.
    host = urlsplit(base_url).hostname or "localhost"
    return f"tag:{host},2026:buurtstem/{specific}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(
    *,
    base_url: str,
    feed_key: str,
    title: str,
    author: str,
    page_url: str,
    self_url: str,
    items: list[NewsItem],
    empty_since: datetime,
) -> bytes:
    """The feed document as UTF-8 bytes. ``empty_since`` is the feed's ``updated``
    when it has no entries yet (e.g. the moment the result was certified)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", "nl")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = _tag_uri(base_url, feed_key)
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    updated = max((i.recorded_at for i in items), default=empty_since)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(updated)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=self_url)
    author_element = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author_element, f"{{{ATOM}}}name").text = author
    for item in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = _tag_uri(base_url, item.ident)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = item.title
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(item.recorded_at)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = item.day.isoformat() + "T00:00:00Z"
        if item.option_key:
            href = public_url("follow_up.project", slug=item.election.slug, key=item.option_key)
        else:
            href = public_url("follow_up.election", slug=item.election.slug)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=href)
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = item.text or item.title
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)

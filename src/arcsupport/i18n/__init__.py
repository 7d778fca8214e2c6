"""English and Korean: messages (a key and arguments) and the catalogs that word them."""

from arcsupport.i18n.catalog import catalog, format_number, has, render, text
from arcsupport.i18n.message import Message
from arcsupport.types import LANGS, Lang

__all__ = ["LANGS", "Lang", "Message", "catalog", "format_number", "has", "render", "text"]

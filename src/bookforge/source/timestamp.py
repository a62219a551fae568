"""Stage 1, source: the one timestamp every output embeds (EPUB dcterms:modified and zip
entry times, PDF CreationDate and ModDate), so that the same sources give the same bytes.

`SOURCE_DATE_EPOCH` (https://reproducible-builds.org/specs/source-date-epoch/) wins when
set; otherwise the time comes from the book itself, never from the clock: book.toml's
`date` (required, so always there), at midnight UTC.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from ..errors import ConfigError, error
from ..model import BookConfig

ENV = "SOURCE_DATE_EPOCH"


def source_timestamp(config: BookConfig,
                     environ: Mapping[str, str] | None = None) -> dt.datetime:
    """The build's timestamp, timezone-aware UTC, whole seconds."""
    env = os.environ if environ is None else environ
    value = env.get(ENV, "").strip()
    if value:
        if not value.isdigit():
            raise ConfigError([error(ENV, 0, "source-date-epoch",
                                     f"must be a whole number of seconds since 1970, "
                                     f"got {value!r}")])
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    return dt.datetime.combine(config.date, dt.time(), dt.UTC)


def w3c(moment: dt.datetime) -> str:
    """2023-11-14T22:13:20Z: the form of EPUB dcterms:modified and HTML dcterms meta."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

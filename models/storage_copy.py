"""Copying every file of one store into another (a local folder's files to S3), checked file
by file, so that an instance can change stores and a copy cut short can simply be run again."""

from __future__ import annotations

from dataclasses import dataclass

from models.storage import Storage


class CopyFailed(Exception):
    """A file did not arrive whole; what was copied before it stays copied."""


@dataclass
class CopyReport:
    copied: int = 0
    already_there: int = 0
    deleted: int = 0


def copy_files(source: Storage, target: Storage, *, delete_source: bool = False) -> CopyReport:
    """Copy each file of `source` that `target` lacks (or holds at another length), then
    check its length there; with `delete_source`, remove each source file once the target
    holds it whole.

    Raises: CopyFailed when a copy's length differs from its source's (or the target
    refuses it); OSError when a store does not answer.
    """
    report = CopyReport()
    present = target.sizes()
    for key, size in sorted(source.sizes().items()):
        if present.get(key) == size:
            report.already_there += 1
        else:
            try:
                with source.open(key) as file:
                    target.write_from(key, file)
            except PermissionError as exc:
                raise CopyFailed(f"{target.url} refused {key}: {exc}") from None
            copied = target.size(key)
            if copied != size:
                raise CopyFailed(f"{key} arrived with {copied} of its {size} bytes.")
            report.copied += 1
        if delete_source:
            source.delete(key)
            report.deleted += 1
    return report

"""YAML reading that remembers where each mapping starts and refuses duplicate keys,
aliases (a few lines of them expand to gigabytes: "billion laughs") and deep nesting."""

from collections.abc import Hashable
from pathlib import Path

import yaml

from tracker.importer.errors import SeedError, SeedProblem
from tracker.importer.limits import MAX_DEPTH, read_bounded

LINE_KEY = "__line__"


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML that the loader will not read."""


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings carry the line they start on under ``__line__``; it
    refuses an alias before it is expanded and nesting deeper than MAX_DEPTH."""

    depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                None, None, f"alias *{event.anchor} refused: seed files may not use YAML "
                "anchors and aliases (write each value out)", event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise _Refused(
                None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:  # 2024-13-45 matches the pattern but is no date
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a date ({exc})", node.start_mark) from None

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value", key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


def read_yaml(path: Path, shown_as: str):
    """Parse one YAML file (None if it holds nothing), turning a syntax error into a
    SeedError with its line."""
    try:
        text = read_bounded(path, shown_as).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedError([SeedProblem(shown_as, None, f"cannot read the file: {exc}")]) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        prefix = "" if isinstance(exc, _Refused) else "malformed YAML: "
        raise SeedError([SeedProblem(shown_as, line, prefix + problem)]) from None

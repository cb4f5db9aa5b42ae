"""YAML reading that remembers where each mapping starts and refuses duplicate keys."""

from pathlib import Path

import yaml

from tracker.importer.errors import SeedError, SeedProblem

LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings carry the line they start on under ``__line__``."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def read_yaml(path: Path, shown_as: str):
    """Parse one YAML file, turning a syntax error into a SeedError with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError([SeedProblem(shown_as, None, f"cannot read the file: {exc}")]) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SeedError([SeedProblem(shown_as, line, f"malformed YAML: {problem}")]) from None

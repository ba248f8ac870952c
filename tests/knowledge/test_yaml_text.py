"""YAML through libyaml: the same documents and the same error messages as before."""

from __future__ import annotations

import pytest
import yaml

from knowledge import yaml_text
from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.normalize import DEFAULT_DICTIONARY_DIR


def test_every_shipped_file_reads_the_same_as_with_the_python_parser() -> None:
    files = sorted(DEFAULT_CONTENT_DIR.rglob("*.yaml")) + sorted(
        DEFAULT_DICTIONARY_DIR.rglob("*.yaml"))
    assert len(files) > 40
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert yaml_text.safe_load(text) == yaml.safe_load(text), path


@pytest.mark.parametrize("text", ["id: khai-sinh\ntitle: [\n", "a: b\n  c: d\n",
                                  "x: !!python/object:os.system ls\n", "a: &x 1\nb: *y\n"])
def test_errors_are_the_python_parsers(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError) as got:
        yaml_text.safe_load(text)
    assert str(got.value) == str(expected.value)


def test_libyaml_is_used_when_pyyaml_has_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml")
    assert yaml_text._LOADER is yaml.CSafeLoader

"""The versioned model store: each training a new version, the newest one in use, a version
being written invisible, a stored model that predicts as it did when saved."""

import json

import numpy as np
import pytest

from bangfu.core.model_store import ModelStore
from matching.success import SuccessModel, describe, is_compatible
from matching.synthetic import make_instance, make_outcomes


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture(scope="module")
def outcomes():
    return make_outcomes(make_instance("small", random_state=5), 3000, random_state=5)


def test_an_empty_store_has_no_model(tmp_path):
    store = ModelStore("risk")
    assert store.versions() == [] and store.load() is None and store.latest() is None
    assert not (tmp_path / "models").exists()


def test_each_save_is_the_next_version_and_the_newest_is_in_use(tmp_path):
    store = ModelStore("risk")

    assert store.save({"w": 1}, {"auc": 0.7}) == "v0001"
    assert store.save({"w": 2}, {"auc": 0.8}) == "v0002"

    assert store.versions() == ["v0001", "v0002"]
    model, meta = store.latest()
    assert model == {"w": 2} and meta["auc"] == 0.8 and meta["version"] == "v0002"
    assert store.load("v0001")[0] == {"w": 1}
    on_disk = json.loads((tmp_path / "models" / "risk" / "risk-v0001.json").read_text())
    assert on_disk["version"] == "v0001" and on_disk["auc"] == 0.7 and on_disk["saved_at"]


def test_the_model_in_use_changes_when_a_newer_version_is_saved():
    store = ModelStore("risk")
    store.save("first")
    assert store.latest()[0] == "first"
    store.save("second")
    assert store.latest()[0] == "second"


def test_a_version_still_being_written_is_invisible_and_its_number_is_not_reused(tmp_path):
    store = ModelStore("risk")
    store.save("first")
    # Another training took v0002 and has not written its metadata yet.
    (tmp_path / "models" / "risk" / "risk-v0002.joblib").touch()

    assert store.versions() == ["v0001"] and store.latest()[0] == "first"
    assert store.save("third") == "v0003"
    assert store.latest()[0] == "third"


def test_a_model_the_running_code_cannot_use_is_passed_over():
    store = ModelStore("risk", compatible=lambda meta: meta.get("features") == ["age"])
    store.save("old", {"features": ["age", "tier"]})
    assert store.latest() is None
    store.save("new", {"features": ["age"]})
    assert store.latest()[0] == "new"


def test_a_deleted_version_is_gone_and_the_previous_one_is_in_use_again():
    store = ModelStore("success")
    store.save("kept")
    store.save("demo")
    store.delete("v0002")
    assert store.versions() == ["v0001"] and store.latest()[0] == "kept"
    assert not store.path("v0002").exists()


@pytest.mark.parametrize("version", ["../secrets", "v1", "success-v0001.joblib", ""])
def test_only_version_names_reach_the_file_system(version):
    with pytest.raises(ValueError):
        ModelStore("success").path(version)


def test_the_success_model_reloads_with_the_same_predictions(outcomes):
    X, y = outcomes
    model = SuccessModel(random_state=0).fit(X, y)
    store = ModelStore("success", compatible=is_compatible)

    version = store.save(model, describe(model, {"auc": 0.8}))

    loaded, meta = store.latest()
    assert version == "v0001" and store.path(version).name == "success-v0001.joblib"
    assert meta["n_outcomes"] == len(y) and meta["metrics"] == {"auc": 0.8}
    np.testing.assert_array_equal(loaded.predict_proba(X[:200]), model.predict_proba(X[:200]))

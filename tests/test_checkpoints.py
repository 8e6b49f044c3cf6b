"""tinytorch.save / tinytorch.load: atomic writes and every way a checkpoint file can be wrong."""
import json
import os
import zipfile

import numpy as np
import pytest

import tinytorch


def saved(tmp_path, obj=None, name="ckpt.npz"):
    path = tmp_path / name
    tinytorch.save({"w": tinytorch.randn(4, 4), "step": 3} if obj is None else obj, path)
    return path


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = saved(tmp_path, {"version": 1})

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space left"):
        tinytorch.save({"version": 2}, path)
    monkeypatch.undo()
    assert tinytorch.load(path) == {"version": 1}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_the_file_gets_the_mode_of_an_ordinary_new_file(tmp_path):
    path = saved(tmp_path)
    ordinary = tmp_path / "ordinary"
    ordinary.write_bytes(b"")
    assert os.stat(path).st_mode == os.stat(ordinary).st_mode


def test_save_accepts_any_file_name_and_writes_exactly_it(tmp_path):
    path = saved(tmp_path, {"a": 1}, name="model.pt")
    assert os.listdir(tmp_path) == ["model.pt"]
    assert zipfile.is_zipfile(path) and tinytorch.load(str(path)) == {"a": 1}


def test_saving_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such-folder.*does not exist"):
        tinytorch.save({"a": 1}, tmp_path / "no-such-folder" / "ckpt.npz")


def test_a_tensor_saved_twice_comes_back_as_two_equal_tensors(tmp_path):
    t = tinytorch.randn(3)
    a, b = tinytorch.load(saved(tmp_path, [t, t]))
    assert np.array_equal(a.data, t.data) and np.array_equal(b.data, t.data)


def test_special_floats_and_unicode_survive(tmp_path):
    back = tinytorch.load(saved(tmp_path, {"ünï": [float("inf"), -0.0, 1e-310, "ü"], "nan": float("nan")}))
    assert back["ünï"] == [float("inf"), -0.0, 1e-310, "ü"]
    assert str(back["ünï"][1]) == "-0.0" and back["nan"] != back["nan"]


def test_a_corrupted_byte_is_detected(tmp_path):
    path = saved(tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside the stored arrays: the zip's CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match=r"ckpt\.npz.*corrupted"):
        tinytorch.load(path)


def test_a_pickled_array_is_refused_not_unpickled(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, **{"__tinytorch__": np.array("{}"), "0": np.array([{"evil": 1}], dtype=object)})
    with pytest.raises(RuntimeError, match=r"pickled\.npz.*pickle"):
        tinytorch.load(path)


def write_manifest(path, manifest, **arrays):
    np.savez(path, **{"__tinytorch__": np.array(json.dumps(manifest))}, **arrays)


@pytest.mark.parametrize("manifest", [
    {"format": "tinytorch", "version": 99, "object": 1},
    {"format": "other", "version": 1, "object": 1},
    {"format": "tinytorch", "version": 1, "object": {"tensor": "7"}},
    {"format": "tinytorch", "version": 1, "object": {"mystery": 1}},
    {"format": "tinytorch", "version": 1},
    ["not", "a", "manifest"],
])
def test_a_damaged_or_foreign_manifest_is_reported(tmp_path, manifest):
    path = tmp_path / "odd.npz"
    write_manifest(path, manifest, **{"0": np.zeros(2)})
    with pytest.raises(RuntimeError, match=r"odd\.npz.*manifest"):
        tinytorch.load(path)


def test_a_manifest_that_is_not_json_is_reported(tmp_path):
    path = tmp_path / "odd.npz"
    np.savez(path, **{"__tinytorch__": np.array("{not json")})
    with pytest.raises(RuntimeError, match=r"odd\.npz.*manifest"):
        tinytorch.load(path)


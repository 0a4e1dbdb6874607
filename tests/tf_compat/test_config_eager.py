"""tf.function, tf.config, tf.version, tf.device/print, the dtype names and tf.TensorShape."""

import sys

import numpy as np
import pytest

import scratchnn as tf


def test_function_runs_the_python_function_as_is_with_or_without_arguments():
    calls = []

    @tf.function
    def plain(x):
        calls.append(x)  # a Python side effect runs on every call: nothing is traced
        return tf.reduce_sum(x)

    @tf.function(jit_compile=True, reduce_retracing=True)
    def configured(x):
        calls.append(x)
        return x * 2

    assert float(plain([1.0, 2.0])) == 3.0 and float(plain([4.0])) == 4.0
    assert configured(3) == 6
    assert len(calls) == 3 and plain.__name__ == "plain"
    square = tf.function(lambda x: x * x, input_signature=None)
    assert square(4) == 16


def test_function_decorates_methods_and_rejects_bad_use():
    class Model:
        scale = 3.0

        @tf.function
        def call(self, x):
            return x * self.scale

    assert Model().call(2.0) == 6.0
    with pytest.raises(TypeError, match="expects a callable"):
        tf.function(3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        tf.function(lambda x: x, not_an_option=True)


def test_version():
    import scratchnn

    assert tf.version.VERSION == tf.__version__ == scratchnn.version.__version__
    assert isinstance(tf.version.VERSION, str)


def test_config_lists_the_cpu_and_no_gpu():
    devices = tf.config.list_physical_devices()
    assert devices == [tf.config.PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU")]
    assert devices[0].device_type == "CPU"
    assert (
        tf.config.list_physical_devices("GPU") == []
        and tf.config.experimental.list_physical_devices("GPU") == []
    )
    assert tf.config.list_physical_devices("CPU") == devices
    assert tf.config.list_logical_devices()[0].name == "/device:CPU:0"
    assert tf.config.functions_run_eagerly() is True


def test_config_calls_keras_code_makes_on_start_up():
    # The usual preamble of Keras scripts: nothing to do, and nothing fails.
    for gpu in tf.config.list_physical_devices("GPU"):
        tf.config.experimental.set_memory_growth(gpu, True)
    tf.config.set_visible_devices([], "GPU")
    tf.config.run_functions_eagerly(True)
    gpu = tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")
    tf.config.experimental.set_memory_growth(gpu, True)
    assert tf.config.experimental.get_memory_growth(gpu) is True
    with pytest.raises(ValueError, match="GPU devices only"):
        tf.config.experimental.set_memory_growth(tf.config.list_physical_devices()[0], True)


def test_config_gpu_entry_only_while_a_gpu_backend_is_active(monkeypatch):
    from scratchnn import backend

    monkeypatch.setitem(backend._state, "name", "cupy")  # what a GPU backend would report
    assert [d.device_type for d in tf.config.list_physical_devices()] == ["CPU", "GPU"]


def test_device_executing_eagerly_and_print(capsys):
    with tf.device("/GPU:0"):
        x = tf.constant([1.0, 2.0]) * 2
    np.testing.assert_array_equal(x.numpy(), [2.0, 4.0])
    assert tf.executing_eagerly() is True
    tf.print("loss:", tf.constant(1.5))
    tf.print(tf.constant([1, 2]), output_stream=sys.stdout)
    captured = capsys.readouterr()
    assert captured.err == "loss: 1.5\n" and captured.out == "[1 2]\n"


def test_dtype_names_compare_with_tensor_dtypes():
    assert tf.constant([1.0]).dtype == tf.float32 and tf.constant([1]).dtype == tf.int32
    assert tf.cast([1.7], tf.int64).dtype == tf.int64
    assert np.zeros(2, dtype=tf.float16).dtype == np.float16
    assert tf.float32.name == "float32" and tf.bool == "bool" and tf.double == tf.float64
    assert tf.dtypes.as_dtype("uint8") == tf.uint8 and tf.dtypes.float32 is tf.float32
    with pytest.raises(TypeError, match="type_value"):
        tf.dtypes.as_dtype("not_a_dtype")


def test_tensor_shape():
    shape = tf.TensorShape([2, None, 3])
    assert shape.as_list() == [2, None, 3] and shape.rank == shape.ndims == 3
    assert not shape.is_fully_defined() and shape.num_elements() is None
    full = tf.TensorShape((2, 3))
    assert full == (2, 3) and full.num_elements() == 6 and full[1:] == tf.TensorShape([3])
    assert repr(full) == "TensorShape([2, 3])" and tf.TensorShape(4).as_list() == [4]

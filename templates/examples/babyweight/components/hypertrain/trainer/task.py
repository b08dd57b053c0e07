"""One hyperparameter-tuning trial on AI Platform Training (cloud mode of the hypertrain step).

Reads the CSV shards the preprocess step exported, fits the ridge model with the trial's --l2, and reports the eval
RMSE as the tuning metric `rmse` (cloudml-hypertune when installed, else a TensorFlow summary).
"""
import argparse
import json

from . import model as m


def read_text(pattern):
    import tensorflow as tf  # available in the AI Platform runtime; reads gs:// paths

    return "".join(tf.io.gfile.GFile(p).read() for p in sorted(tf.io.gfile.glob(pattern)))


def report(value, job_dir):
    try:
        import hypertune

        hypertune.HyperTune().report_hyperparameter_tuning_metric(hyperparameter_metric_tag="rmse", metric_value=value)
    except ImportError:
        import tensorflow as tf

        with tf.summary.create_file_writer(job_dir).as_default():
            tf.summary.scalar("rmse", value, step=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--l2", type=float, required=True)
    p.add_argument("--job-dir", default="")
    a = p.parse_args()
    model = m.fit(m.parse_rows(read_text(a.data + "/train.*")), a.l2)
    score = m.rmse(model, m.parse_rows(read_text(a.data + "/eval.*")))
    print(json.dumps({"l2": a.l2, "rmse": score}))
    report(score, a.job_dir)


if __name__ == "__main__":
    main()

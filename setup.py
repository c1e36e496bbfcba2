from setuptools import find_packages, setup

setup(
    name="gan-zoo",
    version="0.1.0",
    description="GAN model zoo for TensorFlow / Keras 3: train, evaluate, serve and ship GANs",
    packages=find_packages(include=["zoo", "zoo.*"]),
    # The shipped domain classifiers (zoo.eval.classifiers): every user
    # measures classifier FID/score with the same networks.
    package_data={"zoo.eval": ["weights/*.keras", "weights/*.json"], "zoo": ["captions/*.json"]},
    python_requires=">=3.11",  # tomllib
    install_requires=[
        "tensorflow>=2.16,<2.22",
        "keras>=3.6,<4",
        "tensorflow-datasets>=4.9",
        "tensorflow-gan>=2.1",
        "importlib_resources",  # TFDS needs it to prepare datasets but does not declare it
        "numpy>=1.26",
        "pillow>=10",
        "tensorboard",  # fit(callbacks=[TensorBoard]) scalars and sample images
        "ai-edge-litert>=1.2",   # TFLite interpreter (tf.lite.Interpreter is deprecated)
        "nltk>=3.8",   # zoo.eval.bleu: the Texygen BLEU / self-BLEU of text samples
        "sacrebleu>=2.3",  # zoo.eval.style: corpus BLEU of translations (style transfer)
    ],
    extras_require={
        # Every import of tests/ and benchmarks/ is declared here:
        # tests/test_packaging.py checks it, .ci/run installs into a fresh venv.
        # The smoke tests run the benchmark scripts: their plots (matplotlib)
        # and the sqrtm row (scipy) are test dependencies too.
        # pytest-xdist: the README's test command runs on 2 worker processes (most of a tiny
        # model's test is single-threaded Python tracing; 2 cores are used twice as well).
        "test": ["pytest>=8", "pytest-xdist>=3.5", "tensorflow-serving-api>=2.16", "scipy>=1.11", "matplotlib>=3.7"],
        "bench": ["matplotlib>=3.7", "scipy>=1.11", "torch==2.13.0"],  # + the PyTorch rows of benchmarks/
    },
    entry_points={"console_scripts": ["gan-zoo=zoo.cli:main"]},
)

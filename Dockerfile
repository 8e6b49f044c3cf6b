# TinyTorch Lab: the conda-forge environment of environment.yml, a non-root learner, and the lab
# installed by ./lab.sh, the same command that CI and a learner's laptop run.
#   docker build -t tinytorch-lab .
#   docker run --rm -it -v "$PWD":/home/learner/tinytorch-lab tinytorch-lab ./lab.sh doctor
FROM mambaorg/micromamba:2.5.0-debian12-slim

# git for the editor's source control; the base image's tag fixes the Debian release.
USER 0
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

# The learner: uid 1000, the uid that Codespaces and most Linux hosts give the checkout's owner.
# Login shells (the dev container's environment probe among them) reset PATH in /etc/profile:
# profile.d puts the conda environment back on it.
RUN useradd --create-home --uid 1000 --shell /bin/bash learner \
    && chown -R learner:learner /opt/conda \
    && echo "export PATH=/opt/conda/bin:\$PATH" >/etc/profile.d/tinytorch-lab.sh
USER 1000:1000

# BLAS sees the host's cores, not the container's share: keep each pool to the 2 cores that
# hostRequirements asks for, so NumPy does not oversubscribe a small codespace.
ENV OMP_NUM_THREADS=2 \
    OPENBLAS_NUM_THREADS=2 \
    MKL_NUM_THREADS=2 \
    PATH=/opt/conda/bin:$PATH \
    LAB_PYTHON=/opt/conda/bin/python \
    PIP_NO_CACHE_DIR=1

COPY --chown=1000:1000 environment.yml /tmp/environment.yml
RUN micromamba install --yes --name base --file /tmp/environment.yml \
    && micromamba clean --all --yes

WORKDIR /home/learner/tinytorch-lab
COPY --chown=1000:1000 . .
RUN ./lab.sh --version

CMD ["./lab.sh", "--list"]

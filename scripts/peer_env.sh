# Sourced by the PyTorch comparisons (bench-vs-pytorch.sh, bench-recommend.sh): sets peer_env, the
# environment the PyTorch peer runs in. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset, so
# OpenBLAS picks its kernels for this CPU — except when Debian's OpenBLAS (0.3.21) does not know
# the CPU and falls back to its oldest kernel, "Prescott" (SSE3, about a third of the speed here):
# then the peer gets the newest kernel the CPU can run (SkylakeX with AVX-512, Haswell with
# AVX2), and this says so.
peer_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
peer_core=$("${peer_env[@]}" OPENBLAS_VERBOSE=2 /usr/bin/python3 -c 'import torch; (torch.ones(64, 64) @ torch.ones(64, 64))' 2>&1 |
  sed -n 's/^Core: //p' | head -1)
if [ "$peer_core" = Prescott ]; then
  if grep -q avx512f /proc/cpuinfo; then peer_core=SkylakeX; elif grep -q avx2 /proc/cpuinfo; then peer_core=Haswell; fi
  [ "$peer_core" != Prescott ] && peer_env+=(OPENBLAS_CORETYPE=$peer_core)
  echo "OpenBLAS does not know this CPU and would use its Prescott (SSE3) kernel: PyTorch runs with OPENBLAS_CORETYPE=$peer_core"
else
  echo "OpenBLAS kernel for PyTorch: ${peer_core:-unknown}"
fi

# `miles submit` / `miles status` and a real single-node SLURM (tools/slurm-local): the script
# --dry-run prints, errors, status counts on hand-made trial directories, then two job arrays on
# the cluster, one task of which is requeued mid-run and must resume from its checkpoint.
# Needs root and the Debian packages slurmctld slurmd slurm-client munge (tools/setup); fails
# (never skips) when the daemons cannot start. About 50 s on 2 cores; RUN_SERIAL because it
# trains on every core and its controller takes ports 16817-16818 (or the next free pair).
# Included from tests/CMakeLists.txt after driver_tests.cmake (it uses fake-smnist).

add_test(NAME test_slurm
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_slurm.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
set_tests_properties(test_slurm PROPERTIES TIMEOUT 360 LABELS "driver;slurm" RUN_SERIAL TRUE
  ENVIRONMENT "OMP_NUM_THREADS=1")

# Tests of random-search sweeps (csrc/sweep/search.c, csrc/sweep/sweep.c): the space, its draws and its
# errors in C (test_search), and `miles sweep` end to end on tiny fake S-MNIST data
# (test_sweep.sh: jobs, SIGKILL and resume, refusals, --trial, --dry-run against
# tests/sweep/dryrun.expected). Included from tests/CMakeLists.txt after driver_tests.cmake,
# whose miles_c_test() and fake-smnist target it uses.

miles_c_test(test_search TIMEOUT 60 SOURCES test_search.c LIBS miles_core)

add_test(NAME test_sweep COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_sweep.sh ${PROJECT_BINARY_DIR}
  ${CMAKE_CURRENT_SOURCE_DIR}/sweep)
set_tests_properties(test_sweep PROPERTIES TIMEOUT 480 LABELS driver
  ENVIRONMENT "OMP_NUM_THREADS=1")

# Several trials on one GPU, checked on the CPU (devices and memory shares of sweep workers,
# --trial-count, submit --trials-per-task) and train.precision: bf16 end to end.
add_test(NAME test_gpu_share COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_gpu_share.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_gpu_share PROPERTIES TIMEOUT 300 LABELS driver ENVIRONMENT "OMP_NUM_THREADS=1")

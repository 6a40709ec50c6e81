# Issue 15 items 5-7 (hardening B) through the binary: safe sbatch scripts from hostile option
# values (test_harden_b_submit), prepare refusing to overwrite its inputs (test_harden_b_prepare),
# and the smaller gaps: range errors, empty and over-long paths, `miles status` on damaged sweeps
# (test_harden_b_gaps; the search: nesting cap is in test_search). Nothing trains. Included from
# tests/CMakeLists.txt after driver_tests.cmake (they use fake-smnist).

foreach(t test_harden_b_submit test_harden_b_prepare test_harden_b_gaps)
  add_test(NAME ${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/${t}.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(${t} PROPERTIES TIMEOUT 180 LABELS driver ENVIRONMENT "OMP_NUM_THREADS=1")
endforeach()

# A run or sweep recorded by an older miles continues when only new keys at their defaults differ.
add_test(NAME test_upgrade COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_upgrade.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_upgrade PROPERTIES TIMEOUT 300 LABELS driver ENVIRONMENT "OMP_NUM_THREADS=1")

# miles export reads the cache's shapes and attributes, not its samples.
add_test(NAME test_export COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_export.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_export PROPERTIES TIMEOUT 180 LABELS driver ENVIRONMENT "OMP_NUM_THREADS=1")

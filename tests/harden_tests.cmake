# Hardening tests (issue 15, items 1, 2, 4): CRC-32C and the checksummed done-marker in C; a
# full disk under `miles train` (a small tmpfs, root only: skipped with exit 77 otherwise);
# a damaged checkpoint refused on resume; one writer per run directory.
# Included from tests/CMakeLists.txt after driver_tests.cmake, whose miles_c_test() it uses.

miles_c_test(test_harden_crc TIMEOUT 30 SOURCES test_harden_crc.c LIBS miles_core)

foreach(t test_harden_disk test_harden_ckpt test_harden_lock)
  add_test(NAME ${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/${t}.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(${t} PROPERTIES TIMEOUT 300 LABELS driver SKIP_RETURN_CODE 77
    ENVIRONMENT "OMP_NUM_THREADS=1")
endforeach()

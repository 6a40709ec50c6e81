# Hardening tests (issue 15, items 1, 2, 3, 4): CRC-32C and the checksummed done-marker in C; a
# full disk under `miles train` (a small tmpfs, root only: skipped with exit 77 otherwise);
# a damaged checkpoint refused on resume; one writer per run directory.
# Included from tests/CMakeLists.txt after driver_tests.cmake, whose miles_c_test() it uses.

miles_c_test(test_harden_crc TIMEOUT 30 SOURCES test_harden_crc.c LIBS miles_core)

foreach(t test_harden_disk test_harden_ckpt test_harden_lock)
  add_test(NAME ${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/${t}.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(${t} PROPERTIES TIMEOUT 300 LABELS driver SKIP_RETURN_CODE 77
    ENVIRONMENT "OMP_NUM_THREADS=1")
endforeach()

# Item 3: dataset caches carry checksums (a flipped byte, a truncated or an old cache: exit 3).
add_test(NAME test_harden_cache COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_harden_cache.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_harden_cache PROPERTIES TIMEOUT 300 LABELS driver ENVIRONMENT "OMP_NUM_THREADS=1")
miles_c_test(test_cachesum TIMEOUT 60 SOURCES test_cachesum.c LIBS miles_core)

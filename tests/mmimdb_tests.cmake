# Tests of `miles prepare mmimdb` (csrc/data/mmimdb*.c, jpeg.c, pickle.c): tiny fixtures of both
# published forms made at test time (tests/mmimdb_fixture.py: numpy, h5py, PIL), checked against
# Python references, and one epoch of training on the prepared cache. Included from
# tests/CMakeLists.txt.
add_test(NAME test_mmimdb COMMAND ${MILES_REF_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/test_mmimdb.py ${PROJECT_BINARY_DIR})
set_tests_properties(test_mmimdb PROPERTIES TIMEOUT 300 LABELS driver
  ENVIRONMENT "OMP_NUM_THREADS=1;PYTHONDONTWRITEBYTECODE=1")

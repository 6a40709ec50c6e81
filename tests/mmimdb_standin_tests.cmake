# The MM-IMDb stand-in generator (datasets/mmimdb/make-standin) at a tiny size: both published
# forms, the real HDF5 file's shapes, dtypes and split attribute, the posters' BGR / Caffe-mean
# encoding undone to the JPEG's pixels, determinism. Included from tests/CMakeLists.txt; uses
# Debian's python3-numpy, python3-h5py and python3-pil (MILES_REF_PYTHON).
add_test(NAME test_mmimdb_standin COMMAND ${MILES_REF_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/test_mmimdb_standin.py $<TARGET_FILE:miles>)
set_tests_properties(test_mmimdb_standin PROPERTIES TIMEOUT 180 LABELS driver)

# The MM-IMDb sweep files (paper grid, CPU grid) and the calibration runs pass config validation.
add_test(NAME test_mmimdb_experiments
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_mmimdb_experiments.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_mmimdb_experiments PROPERTIES TIMEOUT 600 LABELS driver)

# Tests of `miles prepare cremad` (csrc/data/cremad.c, spectro.c, video.c), the batch-time
# transforms (data/augment.c), the CREMA-D encoders' parameter counts, and the stand-in
# generator (datasets/cremad/make-standin). Included from tests/CMakeLists.txt.

add_executable(test_augment test_augment.c)
target_include_directories(test_augment PRIVATE ${PROJECT_SOURCE_DIR}/csrc)
target_link_libraries(test_augment PRIVATE miles_core)
target_compile_options(test_augment PRIVATE ${MILES_WARNINGS})
add_test(NAME test_augment COMMAND test_augment)
set_tests_properties(test_augment PROPERTIES TIMEOUT 30 LABELS driver)

add_executable(cremad-params cremad_params.c)
target_link_libraries(cremad-params PRIVATE mt)
target_compile_options(cremad-params PRIVATE ${MILES_WARNINGS})
add_test(NAME test_cremad_params COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cremad_params.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_cremad_params PROPERTIES TIMEOUT 120 LABELS driver)

if(MILES_WITH_FFMPEG)
  add_test(NAME test_cremad COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cremad.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(test_cremad PROPERTIES TIMEOUT 600 LABELS driver)
else()
  # without FFmpeg, prepare cremad refuses before it reads anything, with exit 2 and the reason
  add_test(NAME test_cremad_no_ffmpeg COMMAND bash -c
    "$<TARGET_FILE:miles> prepare cremad --from . --out x.h5 2> err.txt; rc=$?; cat err.txt; [ $rc = 2 ] && grep -q 'found one built with -DMILES_WITH_FFMPEG=OFF' err.txt && [ ! -e x.h5 ]")
  set_tests_properties(test_cremad_no_ffmpeg PROPERTIES TIMEOUT 30 LABELS driver WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
endif()

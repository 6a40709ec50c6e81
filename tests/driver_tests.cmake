# Tests of the C driver (csrc/): pure-C units (config, npy, dataset cache, MILES rule, the
# baselines' rules, MFCC), method hooks on a tiny model, and
# the end-to-end run of `miles prepare` + `miles train` on tiny fake S-MNIST data.
# Included from tests/CMakeLists.txt.

function(miles_c_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  set_target_properties(${name} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/csrc)
  target_compile_options(${name} PRIVATE ${MILES_WARNINGS})
  target_link_libraries(${name} PRIVATE ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS driver)
endfunction()

miles_c_test(test_config TIMEOUT 60
  SOURCES test_config.c LIBS miles_core ARGS ${CMAKE_CURRENT_SOURCE_DIR}/config)
miles_c_test(test_npy TIMEOUT 60 SOURCES test_npy.c LIBS miles_core)
miles_c_test(test_dataset TIMEOUT 120 SOURCES test_dataset.c LIBS miles_core)
miles_c_test(test_miles_rule TIMEOUT 30 SOURCES test_miles_rule.c LIBS miles_core)
miles_c_test(test_rules TIMEOUT 30 SOURCES test_rules.c LIBS miles_core)
miles_c_test(test_metrics TIMEOUT 30 SOURCES test_metrics.c LIBS miles_core)
miles_c_test(test_methods TIMEOUT 120 SOURCES test_methods.c LIBS miles_core)
miles_c_test(test_mfcc TIMEOUT 60
  SOURCES test_mfcc.c ${PROJECT_SOURCE_DIR}/datasets/smnist/mfcc.c LIBS ${MILES_LIBM})
target_include_directories(test_mfcc PRIVATE ${PROJECT_SOURCE_DIR}/datasets/smnist)

add_executable(fake-smnist fake_smnist.c)
target_include_directories(fake-smnist PRIVATE ${PROJECT_SOURCE_DIR}/csrc)
target_link_libraries(fake-smnist PRIVATE miles_core)
target_compile_options(fake-smnist PRIVATE ${MILES_WARNINGS})

add_test(NAME test_e2e COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_e2e.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_e2e PROPERTIES TIMEOUT 600 LABELS driver
  ENVIRONMENT "OMP_NUM_THREADS=1")

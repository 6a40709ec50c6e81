# Tests of `miles report` and `miles plot` against the hand-made results in tests/report/
# (written by tests/report/make-fixtures.py; expected outputs tests/report/expected-*).
# Included from tests/CMakeLists.txt; needs the `miles` target.
# Each `miles` start loads LibTorch (about 2 s on a loaded 2-core machine) and these tests start
# it 10-30 times: the timeouts are sized for that, not for the work.

add_test(NAME test_report_tables
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_report.sh ${PROJECT_BINARY_DIR} tables)
set_tests_properties(test_report_tables PROPERTIES TIMEOUT 180 LABELS driver)

# Skipped (exit 77) where gnuplot is not installed.
add_test(NAME test_report_plot
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_report.sh ${PROJECT_BINARY_DIR} plot)
set_tests_properties(test_report_plot PROPERTIES TIMEOUT 180 LABELS driver SKIP_RETURN_CODE 77)

# `miles report --trials` (every trial of a results directory) and `--spread` (the spread per
# sweep) against a results directory the test writes by hand.
add_test(NAME test_trials_table
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_trials_table.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_trials_table PROPERTIES TIMEOUT 180 LABELS driver)

# tools/grid-offcheck.sh (the grid tools' `offcheck`): MILES on vs off at the selected
# configuration, on two tiny MILES sweeps it trains and reseeds (about 40 tiny runs).
add_test(NAME test_grid_offcheck
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_grid_offcheck.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
set_tests_properties(test_grid_offcheck PROPERTIES TIMEOUT 480 LABELS driver)

# The core modules under everything (json, summary, catalog, columns, util) and the result
# reader (core/results, with methods/lr_source on it): plain C, no model.
miles_c_test(test_core TIMEOUT 30 SOURCES test_core.c LIBS miles_core
  ARGS ${CMAKE_CURRENT_SOURCE_DIR}/report/results)

# The statistics of the tables (mean ± sd over seeds, paired bootstrap intervals, ties, MILES's
# LR count) against numpy on a hand-made tree the test writes (Debian's python3-numpy).
set(MILES_REF_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with python3-torch and python3-torchvision (reference tests)")
add_test(NAME test_stats
  COMMAND ${MILES_REF_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/test_stats.py $<TARGET_FILE:miles>)
set_tests_properties(test_stats PROPERTIES TIMEOUT 180 LABELS driver)

# The F1 cells of the tables for multi-label (MM-IMDb) runs, `--f1`, and a run's four F1
# averages, against hand-computed F1s (tests/report-f1/, written by its make-fixtures.py).
add_test(NAME test_report_f1
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_report_f1.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_report_f1 PROPERTIES TIMEOUT 180 LABELS driver)

# Seed sweeps (a space of train.seed alone: the ablations' seeds): every completed trial is a seed
# of the cell, none is selected; against numpy on a hand-made tree the test writes.
add_test(NAME test_seed_sweep
  COMMAND ${MILES_REF_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/test_seed_sweep.py $<TARGET_FILE:miles>)
set_tests_properties(test_seed_sweep PROPERTIES TIMEOUT 180 LABELS driver)

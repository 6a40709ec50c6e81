# Tests of the BERT encoder, safetensors weight files and the WordPiece tokenizer (issue 12):
# shim tests through mt.h, comparisons against PyTorch/torchvision references (Debian's
# python3-torch and python3-torchvision run the tests/ref_*.py scripts) and the tokenizer.
# Included from tests/CMakeLists.txt.

# Shim-only C tests, built like the other shim tests (testutil.h, linking mt alone).
foreach(t IN ITEMS test_bert test_bert_weights)
  add_executable(${t} ${t}.c testutil.h bertutil.h)
  set_target_properties(${t} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_options(${t} PRIVATE ${MILES_WARNINGS})
  target_link_libraries(${t} PRIVATE mt)
  if(MILES_LIBM)
    target_link_libraries(${t} PRIVATE ${MILES_LIBM})
  endif()
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES TIMEOUT 120 LABELS shim
    ENVIRONMENT "OMP_NUM_THREADS=2;MKL_NUM_THREADS=2")
endforeach()

# The shim's side of the reference comparisons, driven by tests/ref_*.py (not a test itself).
add_executable(test_bert_ref test_bert_ref.c)
set_target_properties(test_bert_ref PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_compile_options(test_bert_ref PRIVATE ${MILES_WARNINGS})
target_link_libraries(test_bert_ref PRIVATE mt)

foreach(ref IN ITEMS "resnet50" "resnet18;BF16" "resnet18;F16")
  string(REPLACE ";" "_" tag "${ref}")
  add_test(NAME ref_resnet_${tag}
    COMMAND ${MILES_REF_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/ref_resnet.py $<TARGET_FILE:test_bert_ref> ${ref})
endforeach()
foreach(cfg IN ITEMS tiny small-f16 small-bf16-prefix)
  add_test(NAME ref_bert_${cfg}
    COMMAND ${MILES_REF_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/ref_bert.py $<TARGET_FILE:test_bert_ref> ${cfg})
endforeach()
set_tests_properties(ref_resnet_resnet50 ref_resnet_resnet18_BF16 ref_resnet_resnet18_F16
  ref_bert_tiny ref_bert_small-f16 ref_bert_small-bf16-prefix PROPERTIES
  TIMEOUT 180 LABELS reference ENVIRONMENT "OMP_NUM_THREADS=2;MKL_NUM_THREADS=2;PYTHONDONTWRITEBYTECODE=1")

# The WordPiece tokenizer (csrc/text/), compiled in directly: plain C, no LibTorch.
add_executable(test_wordpiece test_wordpiece.c ${PROJECT_SOURCE_DIR}/csrc/text/wordpiece.c)
set_target_properties(test_wordpiece PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_include_directories(test_wordpiece PRIVATE ${PROJECT_SOURCE_DIR}/csrc)
target_compile_options(test_wordpiece PRIVATE ${MILES_WARNINGS})
add_test(NAME test_wordpiece COMMAND test_wordpiece)
set_tests_properties(test_wordpiece PROPERTIES TIMEOUT 60 LABELS text)

# The tokenizer against npm bert-tokenizer (tests/ref_wordpiece.js, run by node).
add_executable(test_wordpiece_npm test_wordpiece_npm.c ${PROJECT_SOURCE_DIR}/csrc/text/wordpiece.c)
set_target_properties(test_wordpiece_npm PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_include_directories(test_wordpiece_npm PRIVATE ${PROJECT_SOURCE_DIR}/csrc)
target_compile_options(test_wordpiece_npm PRIVATE ${MILES_WARNINGS})
add_test(NAME test_wordpiece_npm COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_wordpiece_npm.sh ${PROJECT_BINARY_DIR})
set_tests_properties(test_wordpiece_npm PROPERTIES TIMEOUT 120 LABELS text)

# Multi-label text + image through prepare, train (bert-tiny), resume, export and weights (issue 12).
add_test(NAME test_mlsynth
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_mlsynth.sh ${PROJECT_BINARY_DIR} ${MILES_REF_PYTHON})
set_tests_properties(test_mlsynth PROPERTIES TIMEOUT 600 LABELS driver
  ENVIRONMENT "OMP_NUM_THREADS=1;PYTHONDONTWRITEBYTECODE=1")

# test-predictions.bin of a multi-label run against the F1s in its summary.json
add_test(NAME test_predictions_ml
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_predictions_ml.sh ${PROJECT_BINARY_DIR} ${MILES_REF_PYTHON})
set_tests_properties(test_predictions_ml PROPERTIES TIMEOUT 300 LABELS driver
  ENVIRONMENT "OMP_NUM_THREADS=1;PYTHONDONTWRITEBYTECODE=1")

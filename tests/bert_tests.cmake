# Tests of the BERT encoder, safetensors weight files and the WordPiece tokenizer (issue 12):
# shim tests through mt.h, comparisons against PyTorch/torchvision references (Debian's
# python3-torch and python3-torchvision run the tests/ref_*.py scripts) and the tokenizer.
# Included from tests/CMakeLists.txt.

# Shim-only C tests, built like the other shim tests (testutil.h, linking mt alone).
foreach(t IN ITEMS test_bert test_bert_weights)
  add_executable(${t} ${t}.c testutil.h)
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

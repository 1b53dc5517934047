# Compiler launcher, linker and the warning/sanitizer settings applied to Orbit's own targets.

find_program(ORBIT_CCACHE ccache)
if(ORBIT_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${ORBIT_CCACHE})
endif()

find_program(ORBIT_MOLD mold)
if(ORBIT_MOLD AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  add_link_options(-fuse-ld=mold)
endif()

if(ORBIT_FUZZ)
  # Coverage instrumentation for everything linked into the fuzz targets.
  add_compile_options(-fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address)
endif()

if(ORBIT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Applies Orbit's warning policy to one of our own targets (never to third-party code).
function(orbit_target_defaults target)
  # -Wrestrict: GCC 12 false positives on std::string operator+ at -O3 (GCC bug 105329).
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
endfunction()

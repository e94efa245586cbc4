# SPDX-License-Identifier: Apache-2.0
# Compiler flags shared by every target: warnings, -Werror in CI, sanitizers, fuzzing.
add_compile_options(-Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes
                    -Wmissing-prototypes -Wno-unused-parameter -D_GNU_SOURCE)
if(MQ_WERROR)
    add_compile_options(-Werror)
endif()
if(MQ_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=address,undefined)
endif()
if(MQ_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "MQ_FUZZ needs clang (CC=clang-14)")
    endif()
    # Instrument everything for coverage; only fuzz targets link the libFuzzer main.
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
endif()

# mq_add_fuzz(name source libs...): a libFuzzer target, built only with MQ_FUZZ.
function(mq_add_fuzz name src)
    if(MQ_FUZZ)
        add_executable(${name} ${src})
        target_link_libraries(${name} PRIVATE ${ARGN})
        target_link_options(${name} PRIVATE -fsanitize=fuzzer)
        target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tools/testkit)
        set_property(GLOBAL APPEND PROPERTY MQ_FUZZ_TARGETS ${name})
    endif()
endfunction()

# mq_add_criterion(name sources... LIBS libs...): one Criterion binary registered with CTest.
function(mq_add_criterion name)
    cmake_parse_arguments(T "" "" "LIBS" ${ARGN})
    if(BUILD_TESTING)
        add_executable(${name} ${T_UNPARSED_ARGUMENTS})
        target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CRITERION)
        target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tools/testkit)
        add_test(NAME ${name} COMMAND ${name} --jobs 2)
    endif()
endfunction()

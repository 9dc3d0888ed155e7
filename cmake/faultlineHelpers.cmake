# faultline_add_scenarios(<target> SOURCES <file>... [LIBRARIES <lib>...] [GTEST])
#
# Makes <target> a faultline binary for the scenarios in SOURCES: the whole CLI (list, run,
# replay, reports, corpus) over exactly those scenarios. Each source registers its scenario with
# a static faultline::Registration, so adding a scenario is adding a file to SOURCES.
#   LIBRARIES  what the scenarios link: their runtime (faultline::rt_scenario for rt) and the
#              code under test
#   GTEST      also builds <target>_gtest: every scenario a GoogleTest test Faultline.<name>
#              running a campaign (FAULTLINE_BUDGET, FAULTLINE_SEED, FAULTLINE_REPLAY; see
#              <faultline/gtest.hpp>), each discovered by ctest
# The scenarios are compiled once, into the OBJECT library <target>_scenarios, which tests of
# the project may link as well.
function(faultline_add_scenarios target)
  cmake_parse_arguments(ARG "GTEST" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "faultline_add_scenarios(${target}): no SOURCES; name the scenario files")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "faultline_add_scenarios(${target}): unknown arguments '${ARG_UNPARSED_ARGUMENTS}'")
  endif()
  add_library(${target}_scenarios OBJECT ${ARG_SOURCES})
  target_link_libraries(${target}_scenarios PUBLIC ${ARG_LIBRARIES} faultline::harness)
  add_executable(${target})
  target_link_libraries(${target} PRIVATE ${target}_scenarios faultline::cli_main)
  if(ARG_GTEST)
    if(NOT TARGET faultline::gtest_main)
      message(FATAL_ERROR "faultline_add_scenarios(${target} GTEST): faultline::gtest_main is missing; "
                          "install GoogleTest (libgtest-dev) and call find_package(GTest) before find_package(faultline)")
    endif()
    include(GoogleTest)
    add_executable(${target}_gtest)
    target_link_libraries(${target}_gtest PRIVATE ${target}_scenarios faultline::gtest_main)
    gtest_discover_tests(${target}_gtest DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
  endif()
endfunction()

# faultline_instrument_asio(<target>)
#
# Puts an unmodified Boost.Asio program under faultline: every co_await of an Asio operation in
# <target>'s sources becomes an await point (custom handler tracking, <faultline/asio/tracking.hpp>).
# Nothing in the sources changes but the ledger calls around protected work. Every target of one
# binary that includes Asio must be instrumented alike (tracking changes Asio's object layouts).
function(faultline_instrument_asio target)
  if(NOT TARGET faultline::asio)
    message(FATAL_ERROR "faultline_instrument_asio(${target}): faultline::asio is missing; find_package(faultline) first")
  endif()
  target_link_libraries(${target} PUBLIC faultline::asio)
endfunction()

# find_package(faultline), from an install prefix or from this build tree (-Dfaultline_DIR=<build>):
#   faultline::hook         <faultline/hook.hpp>, the header a runtime includes (header-only)
#   faultline::harness      the engine: schedules, sandbox, oracles, exploration, reports
#   faultline::cli          faultline::main, the whole command line; faultline::cli_main adds main()
#   faultline::rt           the runtime under test; faultline::rt_scenario, scenarios on it
#   faultline::gtest        FAULTLINE_TEST(name); faultline::gtest_main (where GoogleTest is found)
# and faultline_add_scenarios() (cmake/faultlineHelpers.cmake).
include(CMakePackageConfigHelpers)
set(faultline_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/faultline)
file(WRITE ${PROJECT_BINARY_DIR}/faultlineConfig.cmake.in [=[
@PACKAGE_INIT@
include(CMakeFindDependencyMacro)
find_dependency(Threads)
find_dependency(rapidcheck)
find_dependency(Boost 1.81 CONFIG COMPONENTS json)
find_package(CLI11 QUIET)  # NOTE: only the build-tree package names it (the CLI's private build interface)
include("${CMAKE_CURRENT_LIST_DIR}/faultlineTargets.cmake")
if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/faultlineGtestTargets.cmake")
  find_package(GTest QUIET)
  if(GTest_FOUND)
    include("${CMAKE_CURRENT_LIST_DIR}/faultlineGtestTargets.cmake")  # faultline::gtest, gtest_main
  endif()
endif()
include("${CMAKE_CURRENT_LIST_DIR}/faultlineHelpers.cmake")
]=])
configure_package_config_file(${PROJECT_BINARY_DIR}/faultlineConfig.cmake.in
  ${PROJECT_BINARY_DIR}/faultlineConfig.cmake INSTALL_DESTINATION ${faultline_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/faultlineConfigVersion.cmake COMPATIBILITY SameMajorVersion)
configure_file(${PROJECT_SOURCE_DIR}/cmake/faultlineHelpers.cmake ${PROJECT_BINARY_DIR}/faultlineHelpers.cmake COPYONLY)

install(EXPORT faultlineTargets NAMESPACE faultline:: DESTINATION ${faultline_cmake_dir})
install(FILES ${PROJECT_BINARY_DIR}/faultlineConfig.cmake ${PROJECT_BINARY_DIR}/faultlineConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/faultlineHelpers.cmake DESTINATION ${faultline_cmake_dir})
# NOTE: the build tree is a package too (no install step while developing a scenario).
export(EXPORT faultlineTargets NAMESPACE faultline:: FILE ${PROJECT_BINARY_DIR}/faultlineTargets.cmake)
if(TARGET faultline_gtest)
  install(EXPORT faultlineGtestTargets NAMESPACE faultline:: DESTINATION ${faultline_cmake_dir})
  export(EXPORT faultlineGtestTargets NAMESPACE faultline:: FILE ${PROJECT_BINARY_DIR}/faultlineGtestTargets.cmake)
endif()
# The scripts (nightly.py, repro.py, coverage.py, merge.py) take --bin for a user's binary.
install(PROGRAMS scripts/nightly.py scripts/repro.py scripts/coverage.py scripts/merge.py scripts/report_index.py scripts/zoo_table.py
  DESTINATION ${CMAKE_INSTALL_DATADIR}/faultline/scripts)
install(FILES scripts/faultline_common.py scripts/report_io.py DESTINATION ${CMAKE_INSTALL_DATADIR}/faultline/scripts)

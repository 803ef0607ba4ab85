# Installing raftsim as a CMake package (`cmake --install BUILD --prefix PREFIX`):
#   PREFIX/include/raftsim/...           the headers, by their source paths (sim/node_host.h, ...)
#   PREFIX/lib/libraftsim_*.a            the static libraries
#   PREFIX/lib/cmake/raftsim/            raftsimConfig.cmake, its version file, the exported targets
#   PREFIX/bin/raftsim                   the executable
# Libraries join the package with raftsim_package_library(); the install rules are written once the
# whole top-level CMakeLists.txt has been read (deferred), so that directories added at its end can join.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(RAFTSIM_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/raftsim")
set(RAFTSIM_INSTALL_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}/raftsim")

# Exports `target` as raftsim::<export_name> (a library that raftsim::cli reaches must be exported).
function(raftsim_package_library target export_name)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  set_property(GLOBAL APPEND PROPERTY RAFTSIM_PACKAGE_TARGETS ${target})
  add_library(raftsim::${export_name} ALIAS ${target})
endfunction()

function(raftsim_write_install_rules)
  get_property(targets GLOBAL PROPERTY RAFTSIM_PACKAGE_TARGETS)
  install(TARGETS ${targets} EXPORT raftsimTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${RAFTSIM_INSTALL_INCLUDEDIR})
  install(EXPORT raftsimTargets NAMESPACE raftsim:: DESTINATION ${RAFTSIM_INSTALL_CMAKEDIR})
  # Headers keep their source paths, so that installed code includes them exactly as raftsim's own does.
  foreach(dir base sim raft checkers reports tools adapters)
    if(EXISTS ${PROJECT_SOURCE_DIR}/${dir})
      install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir} DESTINATION ${RAFTSIM_INSTALL_INCLUDEDIR}
              FILES_MATCHING PATTERN "*.h")
    endif()
  endforeach()
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/raftsimConfig.cmake.in
                                ${PROJECT_BINARY_DIR}/raftsimConfig.cmake
                                INSTALL_DESTINATION ${RAFTSIM_INSTALL_CMAKEDIR})
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/raftsimConfigVersion.cmake
                                   VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/raftsimConfig.cmake ${PROJECT_BINARY_DIR}/raftsimConfigVersion.cmake
                ${PROJECT_SOURCE_DIR}/cmake/raftsimDependencies.cmake
          DESTINATION ${RAFTSIM_INSTALL_CMAKEDIR})
  install(TARGETS raftsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()

cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL raftsim_write_install_rules)

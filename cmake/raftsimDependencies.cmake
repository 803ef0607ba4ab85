# The dependencies that raftsim's exported targets name beyond fmt and nlohmann_json (which come with
# their own CMake packages): raftsim_deps::pcg (the header-only PCG generators, Debian's libpcg-cpp-dev)
# and, if RAFTSIM_WITH_LIBRAFT, raftsim_deps::libraft (Debian's libraft-dev). Used both by the build
# and by the installed package config, so that both find them the same way. Sets RAFTSIM_DEPS_MISSING to
# a list of what it could not find.
set(RAFTSIM_DEPS_MISSING "")

if(NOT TARGET raftsim_deps::pcg)
  find_path(RAFTSIM_PCG_INCLUDE_DIR pcg_random.hpp)
  if(RAFTSIM_PCG_INCLUDE_DIR)
    add_library(raftsim_deps::pcg INTERFACE IMPORTED)
    set_target_properties(raftsim_deps::pcg PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${RAFTSIM_PCG_INCLUDE_DIR}")
  else()
    list(APPEND RAFTSIM_DEPS_MISSING "pcg_random.hpp (Debian: libpcg-cpp-dev)")
  endif()
endif()

if(RAFTSIM_WITH_LIBRAFT AND NOT TARGET raftsim_deps::libraft)
  find_path(RAFTSIM_LIBRAFT_INCLUDE_DIR raft.h)
  find_library(RAFTSIM_LIBRAFT_LIBRARY raft)
  if(RAFTSIM_LIBRAFT_INCLUDE_DIR AND RAFTSIM_LIBRAFT_LIBRARY)
    add_library(raftsim_deps::libraft UNKNOWN IMPORTED)
    set_target_properties(raftsim_deps::libraft PROPERTIES IMPORTED_LOCATION "${RAFTSIM_LIBRAFT_LIBRARY}"
                                                           INTERFACE_INCLUDE_DIRECTORIES "${RAFTSIM_LIBRAFT_INCLUDE_DIR}")
  else()
    list(APPEND RAFTSIM_DEPS_MISSING "libraft (Debian: libraft-dev)")
  endif()
endif()

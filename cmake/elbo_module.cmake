# elbo_module(NAME [DEPS mod...] [NO_TORCH])
# Builds src/elbo/NAME/*.cpp into the static library elbo_NAME. Torch modules share
# one precompiled <torch/torch.h> (target elbo_pch) to keep the 2-core build short.
#
# Modules do not link each other (that would clash with libelbo.so's
# whole-archive link); a target that needs module M links elbo_link_modules(M),
# the link group of M and everything it depends on.
set(ELBO_MODULES "" CACHE INTERNAL "")

add_library(elbo_pch STATIC ${CMAKE_CURRENT_LIST_DIR}/empty.cpp)
target_link_libraries(elbo_pch PUBLIC ${TORCH_LIBRARIES})
target_precompile_headers(elbo_pch PUBLIC <torch/torch.h>)

function(elbo_module name)
  cmake_parse_arguments(M "NO_TORCH" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/elbo/${name}/*.cpp)
  if(NOT srcs)
    set(srcs ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/empty.cpp)
  endif()
  add_library(elbo_${name} STATIC ${srcs})
  target_include_directories(elbo_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(elbo_${name} PUBLIC fmt::fmt nlohmann_json::nlohmann_json
                        Eigen3::Eigen Boost::headers Threads::Threads)
  if(NOT M_NO_TORCH)
    target_link_libraries(elbo_${name} PUBLIC ${TORCH_LIBRARIES})
    target_precompile_headers(elbo_${name} REUSE_FROM elbo_pch)
  endif()
  set_property(GLOBAL PROPERTY ELBO_DEPS_${name} ${M_DEPS})
  set(ELBO_MODULES ${ELBO_MODULES} elbo_${name} CACHE INTERNAL "")
endfunction()

# elbo_module_closure(OUT mod...): the modules and all they depend on, as targets.
function(elbo_module_closure out)
  set(result "")
  set(todo ${ARGN})
  while(todo)
    list(POP_FRONT todo m)
    if(NOT "elbo_${m}" IN_LIST result)
      list(APPEND result elbo_${m})
      get_property(deps GLOBAL PROPERTY ELBO_DEPS_${m})
      list(APPEND todo ${deps})
    endif()
  endwhile()
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# elbo_link_modules(TARGET mod...): link TARGET against the modules' closure.
function(elbo_link_modules target)
  elbo_module_closure(mods ${ARGN})
  target_link_libraries(${target} PRIVATE "$<LINK_GROUP:RESCAN,${mods}>")
  foreach(m ${mods})
    target_include_directories(${target} PRIVATE
      $<TARGET_PROPERTY:${m},INTERFACE_INCLUDE_DIRECTORIES>)
    target_link_libraries(${target} PRIVATE
      $<TARGET_PROPERTY:${m},INTERFACE_LINK_LIBRARIES>)
  endforeach()
endfunction()

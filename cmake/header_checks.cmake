# Every public header of include/volley/ (all but the detail/ folders)
# compiles on its own, included twice: one translation unit each, in a
# static library per target that nothing links. A header that leans on
# something its includer happened to include first fails here. The
# umbrella headers are checked against the same list by
# tests/public_headers.py. Headers of optional layers are checked when
# their target exists.
file(GLOB_RECURSE volley_public_headers RELATIVE "${PROJECT_SOURCE_DIR}/include" CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/include/volley/*.hpp")
list(FILTER volley_public_headers EXCLUDE REGEX "/detail/")
set(units_volley "")
set(units_io "")
set(units_mcp "")
set(units_asio "")
foreach(header IN LISTS volley_public_headers)
  string(REGEX REPLACE "[/.]" "_" stem "${header}")
  set(unit "${CMAKE_BINARY_DIR}/header_checks/${stem}.cpp")
  file(CONFIGURE OUTPUT "${unit}" CONTENT "#include \"${header}\"\n#include \"${header}\"\n" @ONLY)
  if(header MATCHES "^volley/(asio/|mcp/http_transport)")
    list(APPEND units_asio "${unit}")
  elseif(header MATCHES "^volley/mcp/")
    list(APPEND units_mcp "${unit}")
  elseif(header MATCHES "^volley/io/")
    list(APPEND units_io "${unit}")
  else()
    list(APPEND units_volley "${unit}")
  endif()
endforeach()
foreach(kind IN ITEMS volley io mcp asio)
  set(target_name "volley_${kind}")
  if(kind STREQUAL "volley")
    set(target_name volley)
  endif()
  if(TARGET ${target_name} AND units_${kind})
    add_library(header_checks_${kind} STATIC ${units_${kind}})
    # http_transport.hpp needs both the MCP client and the Asio bridge.
    target_link_libraries(header_checks_${kind} PRIVATE ${target_name} volley_program_flags)
    if(kind STREQUAL "asio" AND TARGET volley_mcp)
      target_link_libraries(header_checks_${kind} PRIVATE volley_mcp)
    endif()
  endif()
endforeach()

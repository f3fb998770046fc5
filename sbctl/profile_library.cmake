# sbctl_profile_compiler: the profile parser and the table compiler, the part of
# sbctl that reads what a user wrote. sbctl_core links it; so does the
# profile fuzzer. Included by sbctl/CMakeLists.txt and by the fuzzing build.
add_library(sbctl_profile_compiler STATIC
  ${CMAKE_CURRENT_LIST_DIR}/profile/position.cpp
  ${CMAKE_CURRENT_LIST_DIR}/profile/net.cpp
  ${CMAKE_CURRENT_LIST_DIR}/profile/profile_parser.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compile/route_match.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compile/table_compiler.cpp
)
target_include_directories(sbctl_profile_compiler PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(sbctl_profile_compiler PUBLIC sbcommon sbnet sbtable sbrelay_config
                                             PkgConfig::TOMLPP)

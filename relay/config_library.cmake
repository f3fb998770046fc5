# sbrelay_config is the one definition of sb-relay's configuration (targets,
# PROXY versions, the [[relay]] file): sbctl links it to check the relay
# targets of a profile and to prove that the file it writes loads. Included
# by relay/CMakeLists.txt and by the fuzzing build, which needs only this.
add_library(sbrelay_config STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/proxy_header.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/target.cpp
)
target_include_directories(sbrelay_config PUBLIC ${CMAKE_CURRENT_LIST_DIR}/src)
target_link_libraries(sbrelay_config PUBLIC sbcommon PkgConfig::TOMLPP)

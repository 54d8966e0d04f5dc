# Script mode: writes OUT, a C++ file holding every SQL migration of COMPONENT verbatim.
cmake_minimum_required(VERSION 3.25)
# Files are ordered by version number (V9 before V10), and two files may not share a version.
set(body "")
set(seen_versions "")
list(SORT FILES COMPARE NATURAL)
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  if(NOT name MATCHES "^V([0-9]+)__([A-Za-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "migration ${name} is not named V<number>__<words>.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  if(version IN_LIST seen_versions)
    message(FATAL_ERROR "migration ${name}: another ${COMPONENT} migration has version ${version}")
  endif()
  list(APPEND seen_versions ${version})
  file(READ ${f} sql)
  string(FIND "${sql}" ")shopcast_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "migration ${name} contains the raw-string delimiter )shopcast_sql\"")
  endif()
  string(APPEND body "    {${version}, \"${name}\", R\"shopcast_sql(${sql})shopcast_sql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from ${COMPONENT} migrations; do not edit.
#include \"shopcast/db/migrations.h\"

namespace shopcast::db::embedded {
const MigrationSet& ${COMPONENT}Migrations() {
  static const MigrationSet kSet{\"${COMPONENT}\", {
${body}  }};
  return kSet;
}
}  // namespace shopcast::db::embedded
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)

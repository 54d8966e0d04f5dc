# Script mode: writes OUT, a C++ file holding every SQL migration of COMPONENT verbatim.
set(body "")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  if(NOT name MATCHES "^V([0-9]+)__([A-Za-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "migration ${name} is not named V<number>__<words>.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  file(READ ${f} sql)
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

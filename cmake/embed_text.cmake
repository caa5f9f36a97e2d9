# Writes the text file IN into OUT as a C++ string constant NAMESPACE::VAR
# (default elbo_cli::default_data_csv), so the binary needs no files on disk:
# the CLI's default data set, the Stan model shim that elbo compiles at run time.
if(NOT DEFINED VAR)
  set(VAR default_data_csv)
endif()
if(NOT DEFINED NAMESPACE)
  set(NAMESPACE elbo_cli)
endif()
file(READ ${IN} content)
get_filename_component(name ${IN} NAME)
file(WRITE ${OUT} "// Generated from ${name} by cmake/embed_text.cmake; do not edit.\n")
file(APPEND ${OUT} "#include <string_view>\nnamespace ${NAMESPACE} {\n")
file(APPEND ${OUT} "extern const std::string_view ${VAR};\n")
file(APPEND ${OUT} "const std::string_view ${VAR} = R\"elbo_embed(${content})elbo_embed\";\n}\n")

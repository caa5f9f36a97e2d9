# Writes the text file IN into OUT as a C++ string constant
# `elbo_cli::default_data_csv`, so the CLI's default job needs no files on disk.
file(READ ${IN} content)
get_filename_component(name ${IN} NAME)
file(WRITE ${OUT} "// Generated from ${name} by cmake/embed_text.cmake; do not edit.\n")
file(APPEND ${OUT} "#include <string_view>\nnamespace elbo_cli {\n")
file(APPEND ${OUT} "extern const std::string_view default_data_csv;\n")
file(APPEND ${OUT} "const std::string_view default_data_csv = R\"elbo_embed(${content})elbo_embed\";\n}\n")

import { defineModule } from "../../core/module/define-module.ts";
import { CORE_MAJOR } from "../../core/version.ts";
import { editFunctions } from "./edit-functions.ts";
import { headerFunctions } from "./header-functions.ts";
import { searchFunctions } from "./search-functions.ts";

/** textops: text operations on the SIP message (tests, header changes, substitutions, body). */
export default defineModule({
  name: "textops",
  version: "0.1.0",
  core: CORE_MAJOR,
  doc: {
    overview:
      "Text operations on the SIP message being routed: check its method, its headers and its body, search it with " +
      "POSIX regular expressions, add and remove headers, rewrite the Request-URI or the body with sed-like " +
      "substitutions, and replace the body.\n\n" +
      "The tests and searches read the message as received: a header added with append_hf or a body set with " +
      "set_body is not seen by them (nor by $hdr()), as in Kamailio. The changes are applied to the message that is " +
      "forwarded or relayed. Fixed regular expressions are compiled when the config is loaded, so a bad one stops " +
      "`sipmod check` with its line and column.\n\n" +
      "```\n" +
      'if (is_method("INVITE|UPDATE") && has_body("application/sdp")) {\n' +
      '    subst_body(\'/^c=IN IP4 10\\.0\\.0\\.1/c=IN IP4 192.0.2.1/g\');\n' +
      "}\n" +
      'remove_hf_re("^X-Internal-");\n' +
      'append_hf("X-Caller: $fU\\r\\n");\n' +
      "```",
    differences: [
      "Functions that change arbitrary parts of the whole message (subst, replace, replace_all, replace_hdrs, " +
        "search_append, subst_hf) and append_hf/insert_hf with a second parameter (a header to insert next to) are not " +
        "provided: the message edits of the core add headers only before the first or after the last header.",
      "append_to_reply, append_time and set_reply_body are not provided: there is no core place yet where sl and tm " +
        "take headers or a body for the replies they build.",
      "A fixed header text of append_hf/insert_hf that is not whole header lines ended by \\r\\n is a load error; " +
        "Kamailio inserts such text as it is and the message comes out malformed.",
      "Body changes (subst_body, replace_body*, search_append_body, set_body) build on each other within a route; in " +
        "Kamailio each one works on the body as received.",
      "In a substitution whose replacement has pseudo-variables, a backslash or the separator in a variable's value " +
        "is read as part of the expression.",
      "remove_hf_idx returns -1 (false) when there is no header at that index; Kamailio 5.6 returns 2 (true) there, " +
        "although nothing was removed.",
      "Regular expressions run on JavaScript's engine after translation from POSIX syntax (REG_NEWLINE kept: only LF " +
        "ends a line): where several alternatives match at the same place, the first one wins rather than the longest.",
    ],
  },
  functions: [...searchFunctions, ...headerFunctions, ...editFunctions],
});

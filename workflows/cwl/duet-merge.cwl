#!/usr/bin/env cwl-runner
# duet merge: gather the chunk outputs of one trait (see duet-merge(1)).
# Each chunk travels with its YAML sidecar (X.gwas.tsv.gz -> X.gwas.yaml).
cwlVersion: v1.2
class: CommandLineTool
baseCommand: [duet, merge]
inputs:
  chunks:
    type: "File[]"
    secondaryFiles: [{pattern: "^^.yaml", required: false}, {pattern: .tbi, required: false}]
    inputBinding: {position: 1}
  out: {type: string, inputBinding: {prefix: -o}}
outputs:
  merged:
    type: File
    secondaryFiles: [.tbi, "^^.yaml"]
    outputBinding: {glob: $(inputs.out)}

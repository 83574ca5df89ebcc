#!/usr/bin/env cwl-runner
# duet gwas: phenotype-first scan of one or more traits (see duet-gwas(1)).
cwlVersion: v1.2
class: CommandLineTool
baseCommand: [duet, gwas]
requirements:
  InlineJavascriptRequirement: {}
inputs:
  vcf:
    type: File
    secondaryFiles: [{pattern: .csi, required: false}, {pattern: .tbi, required: false}]
    inputBinding: {prefix: --vcf}
  pheno: {type: File, inputBinding: {prefix: --pheno}}
  pheno_name: {type: string, inputBinding: {prefix: --pheno-name}}
  covar: {type: File?, inputBinding: {prefix: --covar}}
  chunk: {type: string?, inputBinding: {prefix: --chunk}, doc: "K/N"}
  logistic: {type: string?, inputBinding: {prefix: --logistic}, doc: "auto, spa, firth or wald (the case/control test policy)"}
  threads: {type: int, default: 1, inputBinding: {prefix: --threads}}
  prefix: {type: string, default: gwas, inputBinding: {prefix: -o}}
outputs:
  sumstats:
    type: "File[]"
    secondaryFiles: [.tbi]
    outputBinding: {glob: "$(inputs.prefix).*.gwas.tsv.gz"}
  sidecars: {type: "File[]", outputBinding: {glob: "$(inputs.prefix).*.gwas.yaml"}}
  log: {type: File, outputBinding: {glob: "$(inputs.prefix).log"}}

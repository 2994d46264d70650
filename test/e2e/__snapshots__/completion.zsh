#compdef assetbridge
# assetbridge completion for zsh: source <(assetbridge completion zsh)
autoload -U +X bashcompinit && bashcompinit
_assetbridge_subcommands() {
  case "$1" in
    '') echo 'start serve assets upload download copy copies rules iam keys configure completion' ;;
    'start') echo '' ;;
    'serve') echo '' ;;
    'assets') echo 'ls show create rm restore unblock' ;;
    'assets ls') echo '' ;;
    'assets show') echo '' ;;
    'assets create') echo '' ;;
    'assets rm') echo '' ;;
    'assets restore') echo '' ;;
    'assets unblock') echo '' ;;
    'upload') echo '' ;;
    'download') echo '' ;;
    'copy') echo '' ;;
    'copies') echo 'ls retry cancel' ;;
    'copies ls') echo '' ;;
    'copies retry') echo '' ;;
    'copies cancel') echo '' ;;
    'rules') echo 'ls create show update enable disable rm backfill' ;;
    'rules ls') echo '' ;;
    'rules create') echo '' ;;
    'rules show') echo '' ;;
    'rules update') echo '' ;;
    'rules enable') echo '' ;;
    'rules disable') echo '' ;;
    'rules rm') echo '' ;;
    'rules backfill') echo '' ;;
    'iam') echo 'account user key projects regions' ;;
    'iam account') echo 'create list delete' ;;
    'iam account create') echo '' ;;
    'iam account list') echo '' ;;
    'iam account delete') echo '' ;;
    'iam user') echo 'create list enable disable delete set-password' ;;
    'iam user create') echo '' ;;
    'iam user list') echo '' ;;
    'iam user enable') echo '' ;;
    'iam user disable') echo '' ;;
    'iam user delete') echo '' ;;
    'iam user set-password') echo '' ;;
    'iam key') echo 'create list enable disable delete' ;;
    'iam key create') echo '' ;;
    'iam key list') echo '' ;;
    'iam key enable') echo '' ;;
    'iam key disable') echo '' ;;
    'iam key delete') echo '' ;;
    'iam projects') echo '' ;;
    'iam regions') echo '' ;;
    'keys') echo 'generate add activate retire list' ;;
    'keys generate') echo '' ;;
    'keys add') echo '' ;;
    'keys activate') echo '' ;;
    'keys retire') echo '' ;;
    'keys list') echo '' ;;
    'configure') echo '' ;;
    'completion') echo '' ;;
  esac
}
_assetbridge_words() {
  case "$1" in
    '') echo 'start serve assets upload download copy copies rules iam keys configure completion --version --quiet --debug --help' ;;
    'start') echo '--help' ;;
    'serve') echo '--role --help' ;;
    'assets') echo 'ls show create rm restore unblock --help' ;;
    'assets ls') echo '--region --profile --json --state --type --name --limit --offset --help' ;;
    'assets show') echo '--region --profile --json --help' ;;
    'assets create') echo '--region --profile --json --type --description --help' ;;
    'assets rm') echo '--region --profile --json --force --help' ;;
    'assets restore') echo '--region --profile --json --help' ;;
    'assets unblock') echo '--project --local-region --json --help' ;;
    'upload') echo '--region --profile --json --type --name --help' ;;
    'download') echo '--region --profile --json --file --output -o --help' ;;
    'copy') echo '--from --to --wait --all --filter --dry-run --profile --json --help' ;;
    'copies') echo 'ls retry cancel --help' ;;
    'copies ls') echo '--state --limit --json --project --region --help' ;;
    'copies retry') echo '--json --project --region --help' ;;
    'copies cancel') echo '--json --project --region --help' ;;
    'rules') echo 'ls create show update enable disable rm backfill --help' ;;
    'rules ls') echo '--region --profile --json --help' ;;
    'rules create') echo '--region --profile --json --types --tags --prefix --updates --deletes --to --project --backfill --disabled --help' ;;
    'rules show') echo '--region --profile --json --help' ;;
    'rules update') echo '--region --profile --json --types --tags --prefix --updates --deletes --name --help' ;;
    'rules enable') echo '--region --profile --json --help' ;;
    'rules disable') echo '--region --profile --json --help' ;;
    'rules rm') echo '--region --profile --json --help' ;;
    'rules backfill') echo '--region --profile --json --help' ;;
    'iam') echo 'account user key projects regions --help' ;;
    'iam account') echo 'create list delete --help' ;;
    'iam account create') echo '--json --help' ;;
    'iam account list') echo '--json --help' ;;
    'iam account delete') echo '--yes --help' ;;
    'iam user') echo 'create list enable disable delete set-password --help' ;;
    'iam user create') echo '--account --password --json --help' ;;
    'iam user list') echo '--account --json --help' ;;
    'iam user enable') echo '--account --help' ;;
    'iam user disable') echo '--account --help' ;;
    'iam user delete') echo '--account --help' ;;
    'iam user set-password') echo '--account --help' ;;
    'iam key') echo 'create list enable disable delete --help' ;;
    'iam key create') echo '--account --user --description --json --help' ;;
    'iam key list') echo '--account --json --help' ;;
    'iam key enable') echo '--help' ;;
    'iam key disable') echo '--help' ;;
    'iam key delete') echo '--help' ;;
    'iam projects') echo '--account --json --help' ;;
    'iam regions') echo '--json --help' ;;
    'keys') echo 'generate add activate retire list --file --help' ;;
    'keys generate') echo '--help' ;;
    'keys add') echo '--key --activate --help' ;;
    'keys activate') echo '--help' ;;
    'keys retire') echo '--help' ;;
    'keys list') echo '--json --help' ;;
    'configure') echo '--profile --endpoint --access-key --json --help' ;;
    'completion') echo 'bash zsh fish --help' ;;
  esac
}
_assetbridge() {
  # Slices, not subscripts: they count from 0 in bash and in zsh (bashcompinit) alike.
  local cur="${COMP_WORDS[@]:COMP_CWORD:1}" prev="${COMP_WORDS[@]:COMP_CWORD-1:1}" at="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[@]:i:1}"
    case " $(_assetbridge_subcommands "$at") " in
      *" $word "*) at="${at:+$at }$word" ;;
    esac
  done
  case "$prev" in
    --type) COMPREPLY=($(compgen -W 'HUMAN_MODEL VOICE_MODEL SCENE ANIMATION VIDEO IMAGE PPT MATERIAL NORMAL_MODEL COMMON_FILE HUMAN_MODEL_2D BUSINESS_CARD_TEMPLET MUSIC AUDIO' -- "$cur")); return ;;
    --state) COMPREPLY=($(compgen -W 'CREATING FAILED UNACTIVED ACTIVED DELETING DELETED BLOCK WAITING_DELETE' -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "$(_assetbridge_words "$at")" -- "$cur"))
}
complete -o default -F _assetbridge assetbridge
